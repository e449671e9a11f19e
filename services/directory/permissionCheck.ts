/**
 * The start-up check of the bot's Graph permissions: which application permissions its app holds
 * (its service principal's app role assignments on Microsoft Graph), which features are off because
 * of what is missing, and the words to tell an operator. A check that cannot read the grants turns
 * nothing off: the bot starts with every feature on and says why it could not tell.
 */
import { Capabilities, GRANT_HINT } from './capabilities';
import type { GraphDirectory } from './graphDirectory';
import { toGraphFailure } from './graphErrors';
import { FEATURES, GRAPH_PERMISSIONS, askedPermissions } from './permissions';

export type PermissionDirectory = Pick<GraphDirectory, 'graphPermissionNames' | 'grantedAppRoles'>;

export interface PermissionReport {
  /** The application (client) id whose grants were read. */
  appId: string;
  /** `checked`: read from Graph; `unreadable`: the read failed; `skipped`: not asked for. */
  outcome: 'checked' | 'unreadable' | 'skipped';
  /** Granted Microsoft Graph application permissions (when checked). */
  granted: string[];
  capabilities: Capabilities;
  /** Why the grants could not be read, or why the check was skipped. */
  problem?: string;
}

/** A report for a bot that did not check: every feature on. */
export function uncheckedReport(appId: string, problem: string): PermissionReport {
  return { appId, outcome: 'skipped', granted: [], capabilities: Capabilities.everything(), problem };
}

/** Reads the app's granted Graph permissions and decides which features are on. */
export async function checkGraphPermissions(directory: PermissionDirectory, appId: string): Promise<PermissionReport> {
  if (!appId) {
    return uncheckedReport(appId, 'no application (client) id to check: set AZURE_CLIENT_ID to the client id of the app or managed identity');
  }
  try {
    const graph = await directory.graphPermissionNames();
    const assignments = await directory.grantedAppRoles(appId);
    const granted = assignments
      .filter((a) => a.resourceId.toLowerCase() === graph.servicePrincipalId.toLowerCase())
      .map((a) => graph.names.get(a.appRoleId.toLowerCase()))
      .filter((name): name is string => name !== undefined);
    const unique = [...new Set(granted)].sort();
    return { appId, outcome: 'checked', granted: unique, capabilities: Capabilities.granted(unique) };
  } catch (error) {
    const failure = toGraphFailure(error);
    const problem =
      failure.status === 403
        ? `Graph refused to show them (403 ${failure.code}): reading them needs Application.Read.All`
        : failure.status === 404
          ? `Graph knows no service principal for the app ${appId} (404): check AZURE_CLIENT_ID`
          : failure.userMessage;
    return { appId, outcome: 'unreadable', granted: [], capabilities: Capabilities.everything(), problem };
  }
}

/** The report as lines for the start banner and `npm run check-permissions`. */
export function describePermissionReport(report: PermissionReport): string[] {
  if (report.outcome === 'skipped') return [`Graph permissions: not checked (${report.problem ?? 'not asked for'}); every feature is on.`];
  if (report.outcome === 'unreadable') {
    return [
      `Graph permissions of app ${report.appId}: could not be read: ${report.problem ?? 'unknown problem'}.`,
      '  Every feature is on; Microsoft Graph will refuse what the app may not do.',
    ];
  }
  const off = report.capabilities.off();
  const asked = askedPermissions();
  const missing = [...new Set(off.flatMap((feature) => report.capabilities.missing(feature)))].sort(
    (a, b) => GRAPH_PERMISSIONS.indexOf(a) - GRAPH_PERMISSIONS.indexOf(b),
  );
  if (missing.length === 0) {
    return [`Graph permissions of app ${report.appId}: everything the bot needs is granted (${report.granted.join(', ')}).`];
  }
  return [
    `Graph permissions of app ${report.appId}: missing ${missing.join(', ')}.`,
    `  Granted: ${report.granted.length > 0 ? report.granted.join(', ') : 'none'} (the bot asks for ${asked.length}: ${asked.join(', ')}).`,
    ...off.map((feature) => `  Off: ${FEATURES[feature].label}; needs ${report.capabilities.missing(feature).join(', ')}.`),
    `  To turn ${off.length === 1 ? 'it' : 'them'} on, ${missing.length === 1 ? GRANT_HINT : GRANT_HINT.replace('grant it', 'grant them')}.`,
  ];
}
