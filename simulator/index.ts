/** Public API of the Graph simulator. */
export { startSimulator, DEFAULT_MAX_BODY_BYTES, type RunningSimulator, type SimulatorOptions } from './server';
export {
  Directory,
  CHECK_MEMBER_GROUPS_LIMIT,
  type DirectoryObject,
  type GroupRecord,
  type InvitationRecord,
  type RoleAssignmentRecord,
  type ServicePrincipalRecord,
  type TenantInfo,
  type UserRecord,
} from './directory';
export {
  loadDemoSeed,
  validateSeed,
  demoWellKnownIds,
  DEMO_TENANT_ID,
  DEMO_USER_IDS,
  DEMO_GUEST_IDS,
  DEMO_GROUP_IDS,
  DEMO_ASSIGNABLE_GROUPS,
  DEMO_SERVICE_PRINCIPAL_IDS,
  DEMO_BOT_APP_ID,
  type SeedFixture,
  type SeedUser,
  type SeedGroup,
  type SeedServicePrincipal,
  type DemoWellKnownIds,
} from './seed';
export { ROLE_TEMPLATE_IDS } from './roles';
export { generateGuests, withGeneratedGuests, generatedGuestId, type GuestGeneratorOptions } from './guestGenerator';
export { GraphError } from './errors';
export type { FaultSpec, FaultSettings, LatencyRule, RandomFailures, Replication, WriteQuota } from './faults';
export { faultSettingsFromEnv, parseFaultSettings } from './faults';
export { isObjectId } from './ids';
export {
  GRAPH_APP_ROLES,
  MICROSOFT_GRAPH_APP_ID,
  ROUTE_PERMISSIONS,
  requiredPermissions,
  parsePermissionList,
  type GraphAppRole,
  type PermissionRequirement,
} from './permissions';
