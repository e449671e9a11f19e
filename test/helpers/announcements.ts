import { OutboxAnnouncements, type Announcement, type Announcements } from '../../services/requests/announcements';
import type { AccessRequest } from '../../services/requests/model';
import type { RequestPatch } from '../../services/store/store';

/**
 * The real announcements (their outbox entries are written with each transition), also noting each
 * announcement as the request will read after it: requests that completed or failed, and those that
 * started waiting for the directory.
 */
export function recordingAnnouncements(onWaiting?: () => void): { announcements: Announcements; finished: AccessRequest[]; waiting: AccessRequest[] } {
  const real = new OutboxAnnouncements({ poke: () => undefined });
  const finished: AccessRequest[] = [];
  const waiting: AccessRequest[] = [];
  const announcements: Announcements = {
    entriesFor(request: AccessRequest, event: Announcement, patch?: RequestPatch) {
      if (event === 'completed' || event === 'failed') finished.push({ ...request, ...patch, state: event });
      if (event === 'waitingForDirectory') {
        waiting.push({ ...request, ...patch });
        onWaiting?.();
      }
      return real.entriesFor(request, event, patch);
    },
    written: () => undefined,
  };
  return { announcements, finished, waiting };
}
