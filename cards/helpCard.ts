/** The list of commands the bot understands. */
import { adaptiveCard, type AdaptiveCard, type CardElement } from './adaptiveCard';
import { fact, factSet, text, title } from './elements';
import { md } from './markdown';

export interface HelpCommand {
  /** What to type, e.g. `invite` or `status <request id>`. */
  command: string;
  description: string;
}

export interface HelpModel {
  commands: HelpCommand[];
  /** A sentence above the commands. */
  intro?: string;
}

export function helpCard(model: HelpModel): AdaptiveCard {
  const body: CardElement[] = [title(md`What I can do`)];
  if (model.intro) body.push(text(md`${model.intro}`));
  body.push(factSet(model.commands.map((c) => fact(md`${c.command}`, md`${c.description}`))));
  return adaptiveCard(body);
}
