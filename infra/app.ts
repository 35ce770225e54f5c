/**
 * The CDK app (`cdk.json`: `node infra/app.ts`): reads monitors.config.ts at the repository root, or
 * the file given as context `netprobe:config` (`cdk synth -c netprobe:config=other.config.ts`; the
 * end-to-end run does so), and builds every stack from it. The functions bundle that same file
 * (infra/bundling.ts), so the stacks and the code they run cannot disagree.
 */
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../shared/config/load.ts';
import { configFileOf } from './bundling.ts';
import { REPO_ROOT } from './entries.ts';
import { checkTemplateLimits } from './limits.ts';
import { addNagChecks, buildNetprobeApp, NETPROBE_APP_PROPS } from './netprobe-app.ts';

const app = new App(NETPROBE_APP_PROPS);
const config = await loadConfig(configFileOf(app) ?? join(REPO_ROOT, 'monitors.config.ts'));
buildNetprobeApp(app, config);
addNagChecks(app);
checkTemplateLimits(app.synth());
