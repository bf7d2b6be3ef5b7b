import { type Config, ConfigError, loadConfig } from '../config/load-config.ts';

/**
 * The configuration a command reads, the same as `npm start` reads: from the environment and
 * CONFIG_FILE. Invalid configuration is printed to stderr (every problem, by variable name) and
 * answers undefined, for the command to exit 2; any other failure is a bug and is thrown.
 */
export function loadCommandConfig(): Config | undefined {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return undefined;
  }
}
