#!/usr/bin/env node
/**
 * The `netprobe` executable (package.json "bin"). Node ≥ 22.18 runs this TypeScript file directly
 * (type stripping); `npm start`, `npm run` and `npx netprobe` use the repo's own Node 24.
 */
import { main } from '../cli/main.ts';

// exitCode rather than process.exit(): stdout is flushed before the process ends, even into a pipe.
process.exitCode = await main(process.argv.slice(2));
