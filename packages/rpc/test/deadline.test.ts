// The time budget helpers: Go's duration format (geth's messages print time.Duration) and
// the deadline race. Expected strings are Go's own: time.Duration(x).String().
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { deadlineAfter, goDuration, requestTimedOut, withinDeadline } from '../src/deadline.ts'

describe('goDuration', () => {
  it('prints milliseconds as Go prints a time.Duration', () => {
    // go: fmt.Println(0*time.Millisecond, 200*time.Millisecond, 5*time.Second, 1500*time.Millisecond, 90*time.Second, 2*time.Hour)
    assert.deepEqual([0, 200, 5000, 1500, 90_000, 7_200_000].map(goDuration), ['0s', '200ms', '5s', '1.5s', '1m30s', '2h0m0s'])
  })
})

describe('withinDeadline', () => {
  it('runs without a limit when there is no deadline', async () => {
    assert.equal(await withinDeadline({ deadline: deadlineAfter(0) }, requestTimedOut, async (signal) => (signal === undefined ? 'unbounded' : 'bounded')), 'unbounded')
  })

  it('answers the timeout error at the deadline and aborts the work', async () => {
    let aborted = false
    const work = (signal: AbortSignal | undefined) =>
      new Promise<string>((resolve) => signal?.addEventListener('abort', () => ((aborted = true), resolve('late'))))
    await assert.rejects(withinDeadline({ deadline: deadlineAfter(50) }, requestTimedOut, work), { code: -32002, message: 'request timed out' })
    assert.equal(aborted, true)
  })

  it('never starts work once the budget is spent', async () => {
    let started = false
    await assert.rejects(
      withinDeadline({ deadline: performance.now() - 1 }, requestTimedOut, async () => {
        started = true
      }),
      { code: -32002 },
    )
    assert.equal(started, false)
  })

  it('stops the work when the client goes away, with or without a deadline', async () => {
    for (const deadline of [undefined, deadlineAfter(60_000)]) {
      const gone = new AbortController()
      let aborted = false
      const work = (signal: AbortSignal | undefined) =>
        new Promise<string>((resolve) => signal?.addEventListener('abort', () => ((aborted = true), resolve('late'))))
      const running = withinDeadline({ deadline, cancelled: gone.signal }, requestTimedOut, work)
      gone.abort()
      await assert.rejects(running, { code: -32002, message: /client closed the connection/ })
      assert.equal(aborted, true, `work aborted (deadline ${deadline})`)
    }
  })
})
