// Windowed lists: only the items near the view are in the page, so a list
// of 100,000 messages costs what a screenful does. A Preact hook over
// @tanstack/virtual-core (framework-agnostic; its React adapter would need
// preact/compat), the same few lines its adapter is made of.
//
// The list element is its own scroller and stays in normal flow: the
// items drawn sit between two spacers standing for the items not drawn
// (`<Spacer>`, an empty hidden item; not padding, which a scroller's
// height cannot shrink below), so CSS gaps and variable heights work as
// before. Each drawn item carries `data-index` and `ref={measure}`: its
// real height replaces the estimate once it is drawn.
//
// Short lists (at most `whole` items) are drawn whole: nothing to save
// there, and the page then holds every item (find in page, tests).
import {
  defaultRangeExtractor,
  elementScroll,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualItem,
} from "@tanstack/virtual-core";
import { useLayoutEffect, useReducer, useRef, useState } from "preact/hooks";

export interface WindowOptions {
  count: number;
  /** A stable key for the item at `index` (its id). */
  key: (index: number) => string;
  /** A first guess at an item's height, in pixels. */
  estimate: number;
  /** Keep the view on the end: items prepended do not move what is in
   * view, and items appended follow while the view is at the end. */
  chat?: boolean;
  /** Lists at most this long are drawn whole. */
  whole?: number;
}

export interface Window<E extends HTMLElement> {
  /** The scrolling list element's ref. */
  scroller: { current: E | null };
  virtualizer: Virtualizer<E, Element>;
  /** The items to draw, in order. */
  items: VirtualItem[];
  /** Heights of the spacers before and after the items drawn (0: none). */
  before: number;
  after: number;
  /** The ref each drawn item takes, so its height is measured. */
  measure: (element: Element | null) => void;
}

/** CSS padding and gap of the list: what the item positions include. */
interface Box {
  top: number;
  bottom: number;
  gap: number;
}

export function useWindow<E extends HTMLElement>(
  options: WindowOptions,
): Window<E> {
  const scroller = useRef<E>(null);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const [box, setBox] = useState<Box | null>(null);
  const whole = options.whole ?? 0;
  const resolved = {
    count: options.count,
    getScrollElement: () => scroller.current,
    getItemKey: options.key,
    estimateSize: () => options.estimate,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    overscan: 8,
    paddingStart: box?.top ?? 0,
    paddingEnd: box?.bottom ?? 0,
    gap: box?.gap ?? 0,
    anchorTo: options.chat === true ? ("end" as const) : ("start" as const),
    followOnAppend: options.chat === true,
    rangeExtractor:
      options.count <= whole
        ? () => Array.from({ length: options.count }, (_, i) => i)
        : defaultRangeExtractor,
    onChange: () => {
      redraw(0);
    },
  };
  const [virtualizer] = useState(() => new Virtualizer<E, Element>(resolved));
  virtualizer.setOptions(resolved);

  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => {
    // Read once, when the list is first in the page (it may come later).
    const el = scroller.current;
    if (box === null && el !== null) {
      const style = getComputedStyle(el);
      setBox({
        top: parseFloat(style.paddingTop) || 0,
        bottom: parseFloat(style.paddingBottom) || 0,
        gap: parseFloat(style.rowGap) || 0,
      });
    }
    virtualizer._willUpdate();
  });

  const items = virtualizer.getVirtualItems();
  const first = items[0];
  const last = items.at(-1);
  const total = virtualizer.getTotalSize();
  // Each spacer takes a gap of the list's own beside it.
  const gap = box?.gap ?? 0;
  const before =
    first === undefined || first.index === 0
      ? 0
      : first.start - (box?.top ?? 0) - gap;
  const after =
    last === undefined || last.index === options.count - 1
      ? 0
      : total - last.end - (box?.bottom ?? 0) - gap;
  return {
    scroller,
    virtualizer,
    items,
    before: Math.max(0, before),
    after: Math.max(0, after),
    measure: virtualizer.measureElement,
  };
}

/** An empty, hidden item standing for `height` pixels of items not drawn. */
export function Spacer({ height }: { height: number }) {
  if (height <= 0) return null;
  return (
    <li
      aria-hidden="true"
      class="spacer"
      style={{ height: `${String(height)}px` }}
    />
  );
}
