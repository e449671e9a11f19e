/**
 * The New request dialog: the chat's own request form (the server renders it with the same card
 * function), shown with the Adaptive Cards renderer. Send files it through the same workflow call;
 * a form the server refuses comes back as the card again, with the values typed and each problem
 * next to its field. Filed, the dialog closes and hands the tab the request's id.
 */
import { app, dialog } from '@microsoft/teams-js';
import { AdaptiveCard, Choice, ChoiceSetInput, ExecuteAction, HostConfig, Input, SubmitAction, type Action } from 'adaptivecards';
import { Api, problemText } from './api';
import { h, notice, replace } from './dom';
import { markdownToHtml } from './markdown';
import { connectToHost, followTheme, TokenSource, type Theme } from './host';
import 'adaptivecards/dist/adaptivecards.css';
import './dialog.css';

type FormKind = 'invite' | 'appAccess';

interface FormAnswer {
  filed: boolean;
  card?: Record<string, unknown>;
  request?: { id: string };
}

/** Typeahead waits for a short pause in typing, as Teams does, so every keystroke is not a search. */
const SEARCH_PAUSE_MS = 250;

async function start(): Promise<void> {
  const root = document.getElementById('dialog')!;
  const kind = new URLSearchParams(window.location.search).get('form');
  const host = await connectToHost();
  if (!host) {
    replace(root, notice('Open this form from the Guest Access tab in Microsoft Teams.', 'info'));
    return;
  }
  followTheme(host.theme);
  if (kind !== 'invite' && kind !== 'appAccess') {
    replace(root, notice('This dialog does not know that form.', 'error'));
    return;
  }
  const api = new Api(new TokenSource());
  const status = h('div', { attrs: { 'aria-live': 'assertive' } });
  const cardArea = h('div', { className: 'card-area' });
  replace(root, status, cardArea);
  // Teams only needs to hear it; nothing here waits for its acknowledgement.
  void app.notifySuccess();
  try {
    const opened = await api.get<{ card: Record<string, unknown> }>(`/forms/${kind}`);
    show(opened.card);
  } catch (error) {
    replace(status, notice(problemText(error), 'error'));
  }

  function show(payload: Record<string, unknown>): void {
    const card = new AdaptiveCard();
    card.hostConfig = hostConfigFor(host!.theme);
    card.parse(forThisRenderer(payload));
    card.onExecuteAction = (action) => void submit(action);
    card.onInputValueChanged = (input) => typeahead(input);
    const rendered = card.render();
    if (rendered) replace(cardArea, rendered);
    // Focus the first problem, or the first field of a new form.
    const invalid = cardArea.querySelector<HTMLElement>('.ac-input-validation-failed, [aria-invalid="true"]');
    (invalid ?? cardArea.querySelector<HTMLElement>('input, textarea, select'))?.focus();
  }

  async function submit(action: Action): Promise<void> {
    if (!(action instanceof ExecuteAction || action instanceof SubmitAction)) return;
    const data = { ...((action.data as Record<string, unknown> | undefined) ?? {}) };
    replace(status, h('p', { className: 'subtle' }, 'Sending…'));
    try {
      const answer = await api.post<FormAnswer>(`/forms/${kind as FormKind}`, { values: data });
      if (answer.filed && answer.request) {
        replace(status, notice(`Request ${answer.request.id} sent.`, 'good'));
        dialog.url.submit({ requestId: answer.request.id });
        return;
      }
      replace(status);
      if (answer.card) show(answer.card);
    } catch (error) {
      replace(status, notice(problemText(error), 'error'));
    }
  }

  const timers = new WeakMap<Input, number>();
  function typeahead(input: Input): void {
    if (!(input instanceof ChoiceSetInput) || !input.isDynamicTypeahead()) return;
    const filter = input.getFilterForDynamicSearch();
    const dataset = input.choicesData?.dataset;
    if (!filter || !dataset) return;
    window.clearTimeout(timers.get(input));
    timers.set(
      input,
      window.setTimeout(async () => {
        input.showLoadingIndicator();
        try {
          const answer = await api.get<{ results: Array<{ title: string; value: string }> }>(
            `/search/${encodeURIComponent(dataset)}?q=${encodeURIComponent(filter)}`,
          );
          // The renderer turns a typed title into its value only for choices it knows: teach it these.
          for (const result of answer.results) {
            if (!input.choices.some((c) => c.value === result.value)) input.choices.push(new Choice(result.title, result.value));
          }
          input.removeLoadingIndicator();
          input.renderChoices(filter, answer.results);
        } catch {
          input.removeLoadingIndicator();
          input.showErrorIndicator(filter, 'Unable to load');
        }
      }, SEARCH_PAUSE_MS),
    );
  }
}

/**
 * Two differences between this renderer and Teams, bridged on a copy of the card: it searches as
 * one types only in single-choice fields (a multi-choice field that searches in Teams shows its
 * offered choices here), and a searching field shows its value as typed text, so the chosen
 * choice's title goes there instead of its id (the renderer maps the title back to the id).
 */
function forThisRenderer(payload: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const element = value as Record<string, unknown>;
      if (element.type === 'Input.ChoiceSet' && element.isMultiSelect === true && 'choices.data' in element) {
        delete element['choices.data'];
        element.style = 'compact';
      } else if (element.type === 'Input.ChoiceSet' && element.style === 'filtered' && typeof element.value === 'string') {
        const choices = Array.isArray(element.choices) ? (element.choices as Array<{ title?: unknown; value?: unknown }>) : [];
        const chosen = choices.find((c) => c.value === element.value);
        if (chosen && typeof chosen.title === 'string') element.value = chosen.title;
      }
      Object.values(element).forEach(visit);
    }
  };
  visit(copy);
  return copy;
}

/** Colours that follow Teams' theme; the rest is the renderer's default host config. */
function hostConfigFor(theme: Theme): HostConfig {
  const palette = {
    default: { background: '#ffffff', text: '#242424', subtle: '#616161', accent: '#5b5fc7', good: '#0e700e', warning: '#835b00', attention: '#c50f1f' },
    dark: { background: '#292929', text: '#ffffff', subtle: '#adadad', accent: '#7f85f5', good: '#54b054', warning: '#e9c46a', attention: '#f1707b' },
    contrast: { background: '#000000', text: '#ffffff', subtle: '#ffffff', accent: '#1aebff', good: '#3ff23f', warning: '#ffff01', attention: '#ff5f5f' },
  }[theme];
  const colour = (value: string) => ({ default: value, subtle: value });
  return new HostConfig({
    fontFamily: '"Segoe UI", system-ui, -apple-system, sans-serif',
    supportsInteractivity: true,
    containerStyles: {
      default: {
        backgroundColor: palette.background,
        foregroundColors: {
          default: { default: palette.text, subtle: palette.subtle },
          accent: colour(palette.accent),
          good: colour(palette.good),
          warning: colour(palette.warning),
          attention: colour(palette.attention),
        },
      },
    },
    actions: { actionsOrientation: 'horizontal', actionAlignment: 'left', buttonSpacing: 8, maxActions: 5 },
    inputs: { allowDynamicallyFilteredChoiceSet: true },
  });
}

AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = markdownToHtml(text);
  result.didProcess = true;
};

void start();
