import type { Api } from '../api';
import type { Formats } from '../format';

export type FormKind = 'invite' | 'appAccess';

/** What every view gets from the shell. */
export interface ViewContext {
  api: Api;
  formats: Formats;
  /** Opens the New request dialog; resolves with the filed request's id, or undefined when closed without filing. */
  openRequestDialog(kind: FormKind): Promise<string | undefined>;
}
