/** @tollgate/control-plane: the library form of the control plane (the launcher and tests start it in process). */
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './start.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';
export { settingsFromEnv } from './config/env.js';
