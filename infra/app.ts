/**
 * The CDK app (`cdk.json`: `node infra/app.ts`): reads the monitors config and builds every stack
 * from it. `NETPROBE_CONFIG` points at another config file (default ./monitors.config.ts).
 */
import { App } from 'aws-cdk-lib';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../shared/config/load.ts';
import { addNagChecks, buildNetprobeApp } from './netprobe-app.ts';

const config = await loadConfig(process.env.NETPROBE_CONFIG ?? DEFAULT_CONFIG_PATH);
const app = new App();
buildNetprobeApp(app, config);
addNagChecks(app);
app.synth();
