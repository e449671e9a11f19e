import { DATASETS } from '../cards/verbs';
import type { SearchRegistry } from './handlers';

/**
 * The typeahead search of every dataset the cards query (cards/verbs.ts), each one directory
 * search: a dataset without a search, or one the cards do not know, does not compile.
 */
export function createSearches(): SearchRegistry {
  return {
    [DATASETS.groups]: async (turn, queryText) => (await turn.workflow.searchGroups(queryText)).map((g) => ({ title: g.displayName, value: g.id })),
    [DATASETS.guests]: async (turn, queryText) => (await turn.workflow.searchGuests(queryText)).map((g) => ({ title: g.displayName, value: g.id })),
    [DATASETS.appRoles]: (turn, queryText) => turn.workflow.searchAppRoles(queryText),
  } satisfies SearchRegistry;
}
