/** A minimal JSON-RPC client with batches, so the benchmark measures the node, not a library. */
export class RpcClient {
  private readonly url: string
  private id = 0

  constructor(url: string) {
    this.url = url
  }

  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const [result] = await this.batch<T>([{ method, params }])
    return result
  }

  async batch<T>(calls: { method: string; params: unknown[] }[]): Promise<T[]> {
    const body = calls.map((call) => ({ jsonrpc: '2.0', id: ++this.id, method: call.method, params: call.params }))
    // A node that stops answering fails the run instead of hanging it.
    const response = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(120_000) })
    const replies = (await response.json()) as { id: number; result?: T; error?: { message: string } }[]
    const byId = new Map(replies.map((reply) => [reply.id, reply]))
    return body.map((request) => {
      const reply = byId.get(request.id)
      if (reply === undefined) throw new Error(`no reply for ${request.method}`)
      if (reply.error !== undefined) throw new Error(`${request.method}: ${reply.error.message}`)
      return reply.result as T
    })
  }
}
