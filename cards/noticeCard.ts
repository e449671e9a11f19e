/** A short notice, e.g. "Request GA-ABC123 was approved by Megan Bowen". */
import { adaptiveCard, type AdaptiveCard, type Color } from './adaptiveCard';
import { text, title } from './elements';
import { md } from './markdown';

export type NoticeTone = 'default' | 'good' | 'attention' | 'warning';

export interface NoticeModel {
  title: string;
  text: string;
  tone?: NoticeTone;
}

const TONE_COLORS: Readonly<Record<NoticeTone, Color>> = {
  default: 'Default',
  good: 'Good',
  attention: 'Attention',
  warning: 'Warning',
};

/** Title in the tone's color, then the text; both shown literally. */
export function noticeCard(model: NoticeModel): AdaptiveCard {
  const heading = title(md`${model.title}`);
  const tone = model.tone ?? 'default';
  if (tone !== 'default') heading.color = TONE_COLORS[tone];
  return adaptiveCard([heading, text(md`${model.text}`, { spacing: 'Small' })]);
}
