// The city explorer's files at /explorer/ on the JSON-RPC port (a single-page app: any path
// under /explorer/ that is not a file answers its index.html, and the app routes it).
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Serves the built explorer in `root` (index.html and assets/) under /explorer/. */
export function serveExplorer(app: FastifyInstance, root: string): void {
  app.get('/explorer', (_request, reply) => reply.redirect('/explorer/', 301))
  app.register(
    async (scope) => {
      // Empty path segments (/explorer//tx/..., a hand-typed or joined URL) would reach
      // @fastify/static, which refuses them with a JSON 403: they go to the same path without them.
      scope.addHook('onRequest', async (request, reply) => {
        const [path, query] = request.url.split(/\?(.*)/s, 2)
        if (path.includes('//')) return reply.redirect(path.replace(/\/{2,}/g, '/') + (query === undefined ? '' : `?${query}`), 301)
      })
      await scope.register(fastifyStatic, {
        root,
        prefix: '/',
        wildcard: true,
        index: 'index.html',
        // Vite names assets by their content hash: a browser keeps them and never asks again.
        // index.html names the current ones, so it is checked on every visit.
        setHeaders: (reply, path) => {
          reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache')
        },
      })
      // Not-found handlers belong to a prefix: this one answers only under /explorer/.
      scope.setNotFoundHandler((request, reply) => (request.method === 'GET' ? reply.type('text/html').sendFile('index.html') : reply.code(404).send()))
    },
    { prefix: '/explorer' },
  )
}
