/**
 * The personal tab: connects to Teams, follows its theme and locale, asks the server which views
 * this person has, and shows them. Outside Teams it says so instead of waiting.
 */
import { app, dialog } from '@microsoft/teams-js';
import { Api, problemText } from './api';
import { button, h, notice, replace } from './dom';
import { Formats } from './format';
import { connectToHost, followTheme, TokenSource } from './host';
import type { Me } from './types';
import type { FormKind, ViewContext } from './views/context';
import { renderGuests } from './views/guests';
import { renderMyRequests } from './views/myRequests';
import { renderToDecide } from './views/toDecide';
import './tab.css';

type ViewName = 'myRequests' | 'toDecide' | 'guests';

const VIEWS: Record<ViewName, { title: string; render: (root: HTMLElement, ctx: ViewContext) => Promise<void> }> = {
  myRequests: { title: 'My requests', render: renderMyRequests },
  toDecide: { title: 'To decide', render: renderToDecide },
  guests: { title: 'Guests', render: renderGuests },
};

const DIALOG_TITLES: Record<FormKind, string> = { invite: 'Invite a guest', appAccess: 'Give a guest access to an app' };

async function start(): Promise<void> {
  const root = document.getElementById('app')!;
  const host = await connectToHost();
  if (!host) {
    replace(
      root,
      h('h1', null, 'Guest Access'),
      h(
        'p',
        { className: 'notice info', attrs: { role: 'status' } },
        "Open this page in Microsoft Teams: it is the Guest Access app's tab, and it needs Teams to know who you are.",
      ),
      h('p', { className: 'subtle' }, 'In Teams, open Apps, find Guest Access and choose its Requests tab.'),
    );
    return;
  }
  followTheme(host.theme);
  document.documentElement.lang = host.locale;
  const api = new Api(new TokenSource());
  const ctx: ViewContext = { api, formats: new Formats(host.locale), openRequestDialog };

  let me: Me;
  try {
    me = await api.get<Me>('/me');
  } catch (error) {
    replace(root, h('h1', null, 'Guest Access'), notice(problemText(error), 'error'));
    app.notifyFailure({ reason: app.FailedReason.AuthFailed, message: problemText(error) });
    return;
  }

  const available = (Object.keys(VIEWS) as ViewName[]).filter((name) => me.views[name]);
  const main = h('main', { attrs: { id: 'view', tabindex: '-1' } });
  const tabs = new Map<ViewName, HTMLButtonElement>();
  const show = async (name: ViewName) => {
    for (const [view, tab] of tabs) tab.setAttribute('aria-selected', String(view === name));
    window.location.hash = name;
    await VIEWS[name].render(main, ctx).catch((error: unknown) => replace(main, notice(problemText(error), 'error')));
  };
  for (const name of available) {
    const tab = button(VIEWS[name].title, () => void show(name), { kind: 'plain' });
    tab.setAttribute('role', 'tab');
    tab.className = 'nav-item';
    tabs.set(name, tab);
  }
  replace(
    root,
    h(
      'header',
      { className: 'app-header' },
      h('h1', null, 'Guest Access'),
      h('nav', { className: 'nav', attrs: { role: 'tablist', 'aria-label': 'Views' } }, ...tabs.values()),
    ),
    main,
  );
  // Teams only needs to hear it; nothing here waits for its acknowledgement.
  void app.notifySuccess();
  const wanted = window.location.hash.slice(1) as ViewName;
  await show(available.includes(wanted) ? wanted : available[0]);
}

/** The request form in a Teams dialog; it answers with the filed request's id. */
function openRequestDialog(kind: FormKind): Promise<string | undefined> {
  return new Promise((resolve) => {
    dialog.url.open(
      { url: `${window.location.origin}/tab/dialog.html?form=${kind}`, title: DIALOG_TITLES[kind], size: { height: 720, width: 640 } },
      (response) => {
        const result = response.result as { requestId?: unknown } | string | undefined;
        resolve(!response.err && typeof result === 'object' && result && typeof result.requestId === 'string' ? result.requestId : undefined);
      },
    );
  });
}

void start();
