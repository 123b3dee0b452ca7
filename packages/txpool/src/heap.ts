// Binary heaps. IndexedHeap keeps each item's position in the item itself, so removing an
// arbitrary item (a mined, replaced or evicted transaction) is O(log n) without a search.

export interface HeapSlot {
  /** Position in the heap that holds the item; -1 when in none. */
  heapIndex: number
}

export class IndexedHeap<T extends HeapSlot> {
  private readonly items: T[] = []
  /** True when `a` must come out before `b`. */
  private readonly before: (a: T, b: T) => boolean

  constructor(before: (a: T, b: T) => boolean) {
    this.before = before
  }

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  at(index: number): T | undefined {
    return this.items[index]
  }

  push(item: T): void {
    item.heapIndex = this.items.length
    this.items.push(item)
    this.up(item.heapIndex)
  }

  pop(): T | undefined {
    const top = this.items[0]
    if (top !== undefined) this.remove(top)
    return top
  }

  remove(item: T): void {
    const index = item.heapIndex
    if (index < 0 || this.items[index] !== item) return
    const last = this.items.pop() as T
    item.heapIndex = -1
    if (index === this.items.length) return
    this.items[index] = last
    last.heapIndex = index
    if (!this.up(index)) this.down(index)
  }

  /** A heap of `items`, built in O(n). */
  static of<T extends HeapSlot>(items: T[], before: (a: T, b: T) => boolean): IndexedHeap<T> {
    const heap = new IndexedHeap(before)
    items.forEach((item, index) => {
      item.heapIndex = index
      heap.items.push(item)
    })
    heap.heapify()
    return heap
  }

  /** Puts `item` in place of the top item and restores order. */
  replaceTop(item: T): void {
    const top = this.items[0]
    if (top === undefined) return this.push(item)
    top.heapIndex = -1
    this.items[0] = item
    item.heapIndex = 0
    this.down(0)
  }

  /** Restores order after every item's key changed (e.g. a new base fee). O(n). */
  heapify(): void {
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i)
  }

  values(): IterableIterator<T> {
    return this.items.values()
  }

  private up(index: number): boolean {
    const items = this.items
    const item = items[index]
    const start = index
    while (index > 0) {
      const parentIndex = (index - 1) >> 1
      const parent = items[parentIndex]
      if (!this.before(item, parent)) break
      items[index] = parent
      parent.heapIndex = index
      index = parentIndex
    }
    items[index] = item
    item.heapIndex = index
    return index !== start
  }

  private down(index: number): void {
    const items = this.items
    const length = items.length
    const item = items[index]
    for (;;) {
      const left = 2 * index + 1
      if (left >= length) break
      const right = left + 1
      const child = right < length && this.before(items[right], items[left]) ? right : left
      if (!this.before(items[child], item)) break
      items[index] = items[child]
      items[index].heapIndex = index
      index = child
    }
    items[index] = item
    item.heapIndex = index
  }
}
