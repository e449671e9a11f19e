/**
 * Which features the bot offers, decided once at start from the Graph permissions its app holds:
 * a feature whose calls need a permission the app lacks is off, and whoever asks for it is told
 * which permission is missing instead of meeting a Graph 403 later.
 */
import { FEATURE_NAMES, FEATURES, missingFor, type Feature, type GraphPermission } from './permissions';

/** Someone asked for a feature that is off; the message says why and what an admin can do. */
export class FeatureOff extends Error {
  constructor(
    readonly feature: Feature,
    message: string,
  ) {
    super(message);
    this.name = 'FeatureOff';
  }
}

/** Where an admin grants application permissions, in the words the Entra admin center uses. */
export const GRANT_HINT =
  "an admin can grant it in the Microsoft Entra admin center (App registrations › the bot's app › API permissions › Add a permission › Microsoft Graph › Application permissions, then Grant admin consent) and restart the bot";

function list(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

export class Capabilities {
  private constructor(private readonly granted: ReadonlySet<string> | 'all') {}

  /** True when the features follow permissions read from Graph; false when every one is assumed. */
  get checked(): boolean {
    return this.granted !== 'all';
  }

  /** Every feature on: local mode, or when the granted permissions could not be read. */
  static everything(): Capabilities {
    return new Capabilities('all');
  }

  /** The features the granted application permissions allow. */
  static granted(permissions: Iterable<string>): Capabilities {
    return new Capabilities(new Set(permissions));
  }

  isOn(feature: Feature): boolean {
    return this.missing(feature).length === 0;
  }

  /** What to grant for the feature (least privileged choices); empty when it is on. */
  missing(feature: Feature): GraphPermission[] {
    return this.granted === 'all' ? [] : missingFor(feature, this.granted);
  }

  /** The features that are off. */
  off(): Feature[] {
    return FEATURE_NAMES.filter((feature) => !this.isOn(feature));
  }

  /** "Deleting guests is turned off: the bot's app lacks User.DeleteRestore.All; an admin can …", or undefined when on. */
  offMessage(feature: Feature): string | undefined {
    const missing = this.missing(feature);
    if (missing.length === 0) return undefined;
    const hint = missing.length === 1 ? GRANT_HINT : GRANT_HINT.replace('grant it', 'grant them');
    return `${FEATURES[feature].label} is turned off: the bot's app lacks ${list(missing)}; ${hint}.`;
  }

  /** A reason to show in place of one part of a card: "the bot's app lacks Directory.Read.All, so this is turned off". */
  offReason(feature: Feature): string | undefined {
    const missing = this.missing(feature);
    return missing.length === 0 ? undefined : `the bot's app lacks ${list(missing)}, so this is turned off`;
  }

  /** Throws FeatureOff with the message when the feature is off. */
  require(feature: Feature): void {
    const message = this.offMessage(feature);
    if (message) throw new FeatureOff(feature, message);
  }
}
