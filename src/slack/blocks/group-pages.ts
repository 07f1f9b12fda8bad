// Paging of a group card (waste, Shadow IT): the "Show next N" / "Back to first N" button and the
// "Showing a–b of n" line, the same on every grouped card.
import type { Button, KnownBlock } from '@slack/types';
import { ACTIONS } from '../ids.js';
import { button, context } from './limits.js';
import { encodeShowMore } from './values.js';

export interface GroupPage {
  groupKey: string;
  offset: number;
  /** Items shown on this page. */
  shown: number;
  total: number;
  pageSize: number;
}

/** The paging button (for the card's footer actions) and line; nothing when one page holds all. */
export function groupPaging(p: GroupPage): { button?: Button; line?: KnownBlock } {
  if (p.total <= p.pageSize) return {};
  const next = p.offset + p.shown;
  const remaining = p.total - next;
  return {
    button:
      remaining > 0
        ? button({
            text: `Show next ${Math.min(p.pageSize, remaining)}`,
            actionId: ACTIONS.showMore,
            value: encodeShowMore(p.groupKey, next),
          })
        : button({
            text: `Back to first ${p.pageSize}`,
            actionId: ACTIONS.showMore,
            value: encodeShowMore(p.groupKey, 0),
          }),
    line: context([`Showing ${p.offset + 1}–${next} of ${p.total}`]),
  };
}
