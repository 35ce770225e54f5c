/**
 * The CDK app (`cdk.json`: `node infra/app.ts`): reads monitors.config.ts at the repository root and
 * builds every stack from it. Always that file: the functions bundle the same file (functions/shared/
 * config.ts imports it), so the stacks and the code they run cannot disagree.
 */
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../shared/config/load.ts';
import { REPO_ROOT } from './entries.ts';
import { checkTemplateLimits } from './limits.ts';
import { addNagChecks, buildNetprobeApp, NETPROBE_APP_PROPS } from './netprobe-app.ts';

const config = await loadConfig(join(REPO_ROOT, 'monitors.config.ts'));
const app = new App(NETPROBE_APP_PROPS);
buildNetprobeApp(app, config);
addNagChecks(app);
checkTemplateLimits(app.synth());
