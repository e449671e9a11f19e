/**
 * A stand-in for Microsoft Teams, for local mode only: it frames the tab and answers the teams-js
 * messages a tab sends its host (initialize, context, theme, the SSO token from the local issuer,
 * dialogs), and lets whoever tries it be one of the demo tenant's people. The Agents Playground
 * hosts bots only, so this is how the tab is tried and tested without a tenant. It runs on the
 * bot's own origin, which teams-js trusts without configuration.
 */

interface Person {
  aadObjectId: string;
  name: string;
  userPrincipalName: string;
}

/** A message a teams-js page sends its host. */
interface AppMessage {
  id: number;
  uuidAsString?: string;
  func: string;
  args?: unknown[];
}

type Theme = 'default' | 'dark' | 'contrast';

/** Notices teams-js sends without waiting for an answer. */
const ONE_WAY = new Set([
  'registerHandler',
  'appInitialization.success',
  'appInitialization.failure',
  'appInitialization.appLoaded',
  'settings.setValidityState',
  'settings.save.success',
  'settings.save.failure',
]);

/** What this host says it supports: the tab needs dialogs and nothing more. */
const RUNTIME = JSON.stringify({ apiVersion: 4, supports: { dialog: { url: {}, update: {} }, pages: { config: {} } } });

const root = document.getElementById('host')!;
const personSelect = document.getElementById('person') as HTMLSelectElement;
const themeSelect = document.getElementById('theme') as HTMLSelectElement;
const tabFrame = document.getElementById('tab') as HTMLIFrameElement;
const overlay = document.getElementById('dialog-overlay')!;
const dialogTitle = document.getElementById('dialog-title')!;
const dialogClose = document.getElementById('dialog-close') as HTMLButtonElement;
let dialogFrame: HTMLIFrameElement | undefined;
/** The tab's `tasks.startTask` waiting for the dialog's result. */
let openDialog: { source: Window; message: AppMessage } | undefined;
let people: Person[] = [];

function current(): Person {
  return people.find((p) => p.aadObjectId === personSelect.value) ?? people[0];
}

function theme(): Theme {
  const value = themeSelect.value;
  return value === 'dark' || value === 'contrast' ? value : 'default';
}

function reply(source: Window, message: AppMessage, args: unknown[]): void {
  source.postMessage({ id: message.id, uuidAsString: message.uuidAsString, args }, window.location.origin);
}

function frameContextOf(source: MessageEventSource | null): 'content' | 'task' | undefined {
  if (source && source === tabFrame.contentWindow) return 'content';
  if (source && dialogFrame && source === dialogFrame.contentWindow) return 'task';
  return undefined;
}

/** The flat context shape hosts send; teams-js turns it into `app.getContext()`'s answer. */
function contextFor(frameContext: 'content' | 'task'): Record<string, unknown> {
  const person = current();
  return {
    locale: 'en-us',
    theme: theme(),
    entityId: 'requests',
    frameContext,
    hostClientType: 'web',
    hostName: 'Teams',
    userObjectId: person.aadObjectId,
    userPrincipalName: person.userPrincipalName,
    loginHint: person.userPrincipalName,
    userDisplayName: person.name,
    tid: 'local',
    appSessionId: 'local-host',
    sessionId: 'local-host',
    isFullScreen: false,
  };
}

async function token(): Promise<string> {
  const response = await fetch('/tab/local-host/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ aadObjectId: current().aadObjectId }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(body.error ?? `The local issuer answered ${response.status}.`);
  return body.token;
}

async function handle(event: MessageEvent): Promise<void> {
  if (event.origin !== window.location.origin) return;
  const frameContext = frameContextOf(event.source);
  const message = event.data as Partial<AppMessage> | null;
  if (!frameContext || !message || typeof message.func !== 'string' || typeof message.id !== 'number') return;
  const source = event.source as Window;
  const request = message as AppMessage;
  switch (request.func) {
    case 'initialize':
      reply(source, request, [frameContext, 'web', RUNTIME, '2.0.1']);
      return;
    case 'getContext':
      reply(source, request, [contextFor(frameContext)]);
      return;
    case 'authentication.getAuthToken':
      try {
        reply(source, request, [true, await token()]);
      } catch (error) {
        reply(source, request, [false, error instanceof Error ? error.message : String(error)]);
      }
      return;
    case 'tasks.startTask':
      startDialog(source, request);
      return;
    case 'tasks.completeTask':
      completeDialog((request.args ?? [])[0]);
      return;
    default:
      if (!ONE_WAY.has(request.func)) console.info(`local host: no answer for ${request.func}`);
  }
}

function startDialog(source: Window, message: AppMessage): void {
  const info = ((message.args ?? [])[0] ?? {}) as { url?: string; title?: string; height?: number | string; width?: number | string };
  const url = new URL(info.url ?? '', window.location.origin);
  if (url.origin !== window.location.origin) {
    reply(source, message, ['The local host opens dialogs of this app only.', undefined]);
    return;
  }
  closeDialog('Another dialog was opened.');
  openDialog = { source, message };
  dialogTitle.textContent = info.title ?? '';
  dialogFrame = document.createElement('iframe');
  dialogFrame.title = info.title ?? 'Dialog';
  dialogFrame.src = url.pathname + url.search;
  dialogFrame.style.width = typeof info.width === 'number' ? `${info.width}px` : '600px';
  dialogFrame.style.height = typeof info.height === 'number' ? `${info.height}px` : '600px';
  overlay.querySelector('.dialog-body')!.replaceChildren(dialogFrame);
  overlay.hidden = false;
}

function completeDialog(result: unknown): void {
  const waiting = openDialog;
  openDialog = undefined;
  hideDialog();
  if (waiting) reply(waiting.source, waiting.message, [undefined, result]);
}

/** Closing without a result answers the tab as Teams does: with an error and no result. */
function closeDialog(reason: string): void {
  const waiting = openDialog;
  openDialog = undefined;
  hideDialog();
  if (waiting) reply(waiting.source, waiting.message, [reason, undefined]);
}

function hideDialog(): void {
  overlay.hidden = true;
  dialogFrame?.remove();
  dialogFrame = undefined;
}

function applyTheme(): void {
  document.documentElement.dataset.theme = theme();
  for (const frame of [tabFrame, dialogFrame]) frame?.contentWindow?.postMessage({ func: 'themeChange', args: [theme()] }, window.location.origin);
}

/** A new person means a new sign-in: the tab starts again, as it would after switching accounts in Teams. */
function loadTab(): void {
  closeDialog('The person changed.');
  const params = new URLSearchParams(window.location.search);
  params.set('as', current().aadObjectId);
  params.set('theme', theme());
  history.replaceState(null, '', `${window.location.pathname}?${params.toString()}${window.location.hash}`);
  tabFrame.src = `/tab/${window.location.hash}`;
}

async function start(): Promise<void> {
  window.addEventListener('message', (event) => void handle(event));
  dialogClose.addEventListener('click', () => closeDialog('User cancelled/closed the task module.'));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !overlay.hidden) closeDialog('User cancelled/closed the task module.');
  });
  const answer = (await (await fetch('/tab/local-host/people')).json()) as { people: Person[] };
  people = answer.people;
  const params = new URLSearchParams(window.location.search);
  for (const person of people) {
    const option = document.createElement('option');
    option.value = person.aadObjectId;
    option.textContent = person.name;
    personSelect.appendChild(option);
  }
  const wanted = params.get('as');
  if (wanted && people.some((p) => p.aadObjectId === wanted)) personSelect.value = wanted;
  const wantedTheme = params.get('theme');
  if (wantedTheme === 'dark' || wantedTheme === 'contrast' || wantedTheme === 'default') themeSelect.value = wantedTheme;
  personSelect.addEventListener('change', loadTab);
  themeSelect.addEventListener('change', applyTheme);
  document.documentElement.dataset.theme = theme();
  root.hidden = false;
  loadTab();
}

void start();
