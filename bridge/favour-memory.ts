/**
 * The bridge's working set is small and bounded by its in-flight limit (about 30 MB of live heap,
 * whatever the backlog), but V8 sizes its heap for speed: it lets the old generation grow to twice
 * the live set and more before its first full collection, so a bridge's RSS climbs through its
 * first half minute (to about 145 MB on a 2-core machine) and stays there. In V8's memory-saving
 * mode each full collection also shrinks the heap, and the RSS stays near 100 MB; the cost, more
 * frequent collections, shows in `npm run bench` as the bridge's CPU per order.
 *
 * The young generation is the other half of the peak: while the bridge starts working (both
 * stages' in-flight orders at once) V8 doubles its semi-spaces up to 16 MB each, and the RSS peaks
 * about 25 MB above where it settles. With a growth factor of 1 they stay at their initial size:
 * more, smaller scavenges of a young generation that is mostly garbage anyway (the peak fell from
 * 126 to 114 MB on a 10,000-order backlog; the bridge's CPU per order did not move beyond the
 * noise of four runs).
 *
 * V8 reads both flags whenever it decides on a collection or a resize, so setting them once the
 * process runs takes effect (Node's warning about changing V8 flags at run time concerns flags
 * read only at start-up, such as the heap's maximum sizes).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** Makes this process's heap favour memory over speed. For the bridge only: workers run user code. */
export function favourMemoryOverSpeed(): void {
  v8.setFlagsFromString('--optimize-for-size');
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * A full collection while the bridge starts, before it takes work. Until its first full
 * collection V8 lets the old generation grow to an initial limit made for any program, and the
 * first one would otherwise come from V8's memory reducer eight seconds after start: meanwhile the
 * in-flight orders' short-lived state, promoted out of the small young generation, piles up as
 * garbage (the RSS climbed to 118-133 MB and fell to 91-95 at that collection, every time). After
 * this one, V8 sets its limit from the bridge's own live heap. The bridge also calls it right
 * after loading its modules, most of the start-up garbage, so that garbage and the connections'
 * do not peak together. Each call costs one pause of a few milliseconds at start. V8 gives scripts `gc()` only in contexts created after `--expose-gc`.
 */
export function collectStartupGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc === 'function') (gc as () => void)();
}
