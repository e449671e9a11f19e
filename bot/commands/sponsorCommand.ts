import { noticeCard } from '../../cards/noticeCard';
import type { SponsorChanged } from '../../services/lifecycle/sponsors';
import { replyWith } from '../adminResponses';
import { matchWords, type CommandHandler } from '../handlers';

/** `sponsor <guest email> <colleague email>`: the colleague answers for the guest from now on. */
export const sponsorCommand: CommandHandler = {
  usage: 'sponsor <guest email> <colleague email>',
  description: "Make a colleague the guest's sponsor: they are told before the guest's access ends and recertify them.",
  audience: 'admins',
  match: (text) => matchWords(text, 'sponsor'),
  async handle(turn, args) {
    await replyWith(turn, await turn.lifecycle.sponsors.setSponsor(turn.actor, args, turn.source), sponsorChangedCard);
  },
};

function sponsorChangedCard(changed: SponsorChanged) {
  const before = changed.previous ? ` (before: ${changed.previous.name})` : '';
  const entra = changed.inDirectory
    ? 'Entra shows the new sponsor shortly.'
    : "Entra keeps showing the old sponsors: the bot's app lacks User.ReadWrite.All, which writing sponsors needs. The bot tells the new sponsor all the same.";
  return noticeCard({
    title: 'Sponsor changed',
    text: `${changed.sponsor.name} now sponsors ${changed.guest.displayName} (${changed.guest.email})${before}. ${entra}`,
    tone: 'good',
  });
}
