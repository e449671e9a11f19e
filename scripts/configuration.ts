import { config as loadDotEnv } from 'dotenv';
import { ConfigError, loadConfig, type AppConfig } from '../services/platform/config';
import { demoWellKnownIds } from '../simulator/seed';

/**
 * The configuration a script runs with: `.env` read, the demo tenant's ids as the local-mode
 * defaults. A bad value ends the process with every problem named, before anything starts.
 */
export function configurationOrExit(notDone: string): AppConfig {
  loadDotEnv({ quiet: true });
  try {
    return loadConfig(process.env, demoWellKnownIds());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${notDone} ${error.message}\nSee .env.example for every setting.\n`);
    process.exit(1);
  }
}
