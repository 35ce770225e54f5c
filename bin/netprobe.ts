#!/usr/bin/env node
/**
 * The `netprobe` executable (package.json "bin"). Node ≥ 22.18 runs this TypeScript file directly
 * (type stripping); `npm start`, `npm run` and `npx netprobe` use the repo's own Node 24.
 */
import { main } from '../cli/main.ts';

// `netprobe run --json | head -1`: once the reader is gone there is nobody left to tell anything,
// so end quietly, as Unix tools do, instead of crashing on EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit();
    throw err;
  });
}

// exitCode rather than process.exit(): stdout is flushed before the process ends, even into a pipe.
process.exitCode = await main(process.argv.slice(2));
