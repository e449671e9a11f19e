/**
 * The approval policies file (POLICIES_PATH, YAML or JSON): its schema, and loading it at start so
 * that a bad policy stops the start with every problem listed, like the rest of the configuration.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isDirectoryId } from '../../platform/ids';

/** What a request asks, as policies match it: the request kinds, and a batch of several guests at once. */
export const POLICY_KINDS = ['invite', 'appAccess', 'extension', 'batch'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** Who decides a stage. */
export const STAGE_APPROVERS = ['manager', 'sponsor', 'group', 'appOwners'] as const;
export type StageApprover = (typeof STAGE_APPROVERS)[number];

export const QUESTION_TYPES = ['text', 'choice', 'date'] as const;

/** A policy has at most this many stages, as in Entra entitlement management. */
export const MAX_STAGES = 3;

const objectId = z.string().refine((value) => isDirectoryId(value), { message: 'must be an object id (a GUID)' });

/** A group or app: its object id, with a display name for cards (the id alone is shown otherwise). */
const ref = z.union([
  objectId.transform((id) => ({ id: id.toLowerCase(), name: undefined as string | undefined })),
  z
    .object({ id: objectId, name: z.string().min(1).max(120).optional() })
    .strict()
    .transform(({ id, name }) => ({ id: id.toLowerCase(), name })),
]);
export type PolicyRef = z.output<typeof ref>;

const DURATION = /^(\d{1,5})(m|h|d)$/;
const UNIT_MINUTES = { m: 1, h: 60, d: 24 * 60 } as const;

/** "90m", "36h", "3d" in minutes. */
const duration = z
  .string()
  .regex(DURATION, { message: 'must be a duration such as 90m, 36h or 3d' })
  .transform((text) => {
    const [, amount, unit] = DURATION.exec(text) ?? [];
    return Number(amount) * UNIT_MINUTES[(unit ?? 'm') as keyof typeof UNIT_MINUTES];
  })
  .refine((minutes) => minutes > 0, { message: 'must be longer than zero' });

/** `fabrikam.com`, `*.fabrikam.com` (any subdomain) or another pattern where `*` stands for any characters. */
const domainPattern = z
  .string()
  .min(1)
  .max(253)
  .transform((value) => value.trim().toLowerCase())
  .refine((value) => /^[a-z0-9*.-]+$/.test(value) && value.includes('.'), { message: 'must be a domain such as fabrikam.com or *.fabrikam.com' });

const stageSchema = z
  .object({
    /** Shown on the card: "Stage 2 of 2: security team". */
    name: z.string().min(1).max(80),
    approvers: z.enum(STAGE_APPROVERS),
    /** The deciding group, for `approvers: group`. */
    group: ref.optional(),
    /** For `approvers: appOwners`: whose owners; default the application the request asks for. */
    app: ref.optional(),
    /** How many different people must approve; 1 means any one of them. */
    approvals: z.number().int().min(1).max(5).default(1),
    /** Decides when the stage's approvers cannot be found, and after escalation; default the approver group. */
    fallbackGroup: ref.optional(),
    escalation: z.object({ remindAfter: duration, escalateAfter: duration }).strict().optional(),
  })
  .strict()
  .superRefine((stage, ctx) => {
    if (stage.approvers === 'group' && !stage.group) ctx.addIssue({ code: 'custom', path: ['group'], message: 'is required when approvers is group' });
    if (stage.approvers !== 'group' && stage.group) ctx.addIssue({ code: 'custom', path: ['group'], message: 'is only for approvers: group' });
    if (stage.approvers !== 'appOwners' && stage.app) ctx.addIssue({ code: 'custom', path: ['app'], message: 'is only for approvers: appOwners' });
    if (stage.escalation && stage.escalation.escalateAfter <= stage.escalation.remindAfter) {
      ctx.addIssue({ code: 'custom', path: ['escalation', 'escalateAfter'], message: 'must be later than remindAfter' });
    }
  });

const questionSchema = z
  .object({
    /** Names the answer in storage and on the form; letters and digits. */
    id: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,39}$/, { message: 'must be letters and digits, starting with a letter (at most 40)' }),
    label: z.string().min(1).max(200),
    type: z.enum(QUESTION_TYPES),
    choices: z.array(z.string().min(1).max(100)).min(2).max(20).optional(),
    required: z.boolean().default(false),
  })
  .strict()
  .superRefine((question, ctx) => {
    if (question.type === 'choice' && !question.choices) ctx.addIssue({ code: 'custom', path: ['choices'], message: 'is required for a choice question' });
    if (question.type !== 'choice' && question.choices) ctx.addIssue({ code: 'custom', path: ['choices'], message: 'is only for choice questions' });
  });

const separationRuleSchema = z
  .object({
    name: z.string().min(1).max(120),
    groups: z.array(ref).default([]),
    apps: z.array(ref).default([]),
  })
  .strict()
  .refine((rule) => rule.groups.length + rule.apps.length >= 2, { message: 'needs at least two groups or apps that must not be held together' });

const matchSchema = z
  .object({
    kinds: z.array(z.enum(POLICY_KINDS)).min(1).optional(),
    domains: z.array(domainPattern).min(1).optional(),
    groups: z.array(ref).min(1).optional(),
    apps: z.array(ref).min(1).optional(),
    /** `true`: any directory role; a list: one of these role definitions. */
    directoryRole: z.union([z.literal(true), z.array(ref).min(1)]).optional(),
  })
  .strict();

const policySchema = z
  .object({
    name: z.string().min(1).max(80),
    description: z.string().max(500).optional(),
    /** Every criterion given must hold (one of each list); no criteria matches every request. */
    match: matchSchema.default({}),
    stages: z.array(stageSchema).min(1).max(MAX_STAGES),
    questions: z.array(questionSchema).max(10).default([]),
    separationOfDuties: z.array(separationRuleSchema).default([]),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    policy.questions.forEach((question, index) => {
      if (seen.has(question.id)) ctx.addIssue({ code: 'custom', path: ['questions', index, 'id'], message: `"${question.id}" is used twice` });
      seen.add(question.id);
    });
  });

export const policyFileSchema = z
  .object({
    policies: z.array(policySchema).min(1),
    /** Rules that hold for every request, whichever policy matches it. */
    separationOfDuties: z.array(separationRuleSchema).default([]),
  })
  .strict();

export type PolicyFile = z.output<typeof policyFileSchema>;
export type Policy = PolicyFile['policies'][number];
export type PolicyStage = Policy['stages'][number];
export type PolicyQuestion = Policy['questions'][number];
export type SeparationRule = PolicyFile['separationOfDuties'][number];
export type PolicyMatch = Policy['match'];

/** Checks parsed policies; every problem, each with where it is (`policies[1] "Roles".stages[0].group`). */
export function checkPolicies(value: unknown): { ok: true; file: PolicyFile } | { ok: false; problems: string[] } {
  const result = policyFileSchema.safeParse(value);
  // Checked apart from the schema so that it is reported alongside every other problem.
  const duplicates = duplicateNames(value);
  if (result.success && duplicates.length === 0) return { ok: true, file: result.data };
  const issues = result.success ? [] : result.error.issues.map((issue) => `${describePath(value, issue.path)}: ${issue.message}`);
  return { ok: false, problems: [...issues, ...duplicates] };
}

/** Policies are told apart by name (cards and the audit log name them), ignoring case. */
function duplicateNames(value: unknown): string[] {
  const policies = value !== null && typeof value === 'object' ? (value as { policies?: unknown }).policies : undefined;
  if (!Array.isArray(policies)) return [];
  const seen = new Set<string>();
  const problems: string[] = [];
  policies.forEach((policy: unknown, index) => {
    const name = policy !== null && typeof policy === 'object' ? (policy as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') return;
    if (seen.has(name.toLowerCase())) problems.push(`${describePath(value, ['policies', index, 'name'])}: "${name}" names two policies`);
    seen.add(name.toLowerCase());
  });
  return problems;
}

/** Reads and checks the file at `filePath`; problems are added to `problems` (the configuration's list). */
export function loadPolicyFile(filePath: string, problems: string[]): PolicyFile | undefined {
  const where = `POLICIES_PATH (${path.basename(filePath)})`;
  const extension = path.extname(filePath).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(extension)) {
    problems.push(`${where}: the file must end in .yaml, .yml or .json.`);
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';
    problems.push(`${where}: cannot be read (${code}).`);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = extension === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    problems.push(
      `${where}: is not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
    return undefined;
  }
  const checked = checkPolicies(parsed);
  if (!checked.ok) {
    problems.push(...checked.problems.map((problem) => `${where}: ${problem}`));
    return undefined;
  }
  return checked.file;
}

/** A zod path, with each policy's name after its index so the admin finds it. */
function describePath(root: unknown, issuePath: readonly PropertyKey[]): string {
  if (issuePath.length === 0) return '(the file)';
  let text = '';
  let node: unknown = root;
  issuePath.forEach((key, index) => {
    text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    const name = node !== null && typeof node === 'object' ? (node as { name?: unknown }).name : undefined;
    if (typeof key === 'number' && issuePath[index - 1] === 'policies' && typeof name === 'string') text += ` "${name}"`;
  });
  return text;
}
