// The documentation site: the guides in docs/*.md and the API reference that scripts/docs-build.mjs
// generates into docs/api from the packages' TSDoc. Pages and packages are discovered, so a new
// guide or package appears without editing this file. A dead link fails the build.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';

const docs = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(docs, '..');
const repository = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).repository.url as string)
  .replace(/^git\+/, '').replace(/\.git$/, '');

/** The first heading of a page, without markdown code marks. */
function titleOf(file: string): string {
  const heading = /^#\s+(.+)$/m.exec(readFileSync(file, 'utf8'));
  return heading ? heading[1]!.replace(/`/g, '') : file;
}

// The reading order of a new user first; any other guide follows, alphabetically.
const FIRST = [
  'getting-started', 'tensors-and-memory', 'autograd', 'layers', 'sequence-layers', 'losses', 'optim',
  'data', 'training', 'metrics', 'transfer-learning', 'webgpu', 'performance-tips',
];
const rank = (f: string): number => {
  const i = FIRST.indexOf(f.replace(/\.md$/, ''));
  return i === -1 ? FIRST.length : i;
};
const guides: DefaultTheme.SidebarItem[] = readdirSync(docs)
  .filter((f) => f.endsWith('.md') && f !== 'index.md')
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  .map((f) => ({ text: titleOf(join(docs, f)), link: `/${f.replace(/\.md$/, '')}` }));

const apiRoot = join(docs, 'api', '@tessera');
const api: DefaultTheme.SidebarItem[] = existsSync(apiRoot)
  ? readdirSync(apiRoot).sort().map((pkg) => ({ text: `@tessera/${pkg}`, link: `/api/@tessera/${pkg}/` }))
  : [];

export default defineConfig({
  title: 'Tessera',
  description: 'A TypeScript machine-learning framework made of small npm packages',
  cleanUrls: true,
  ignoreDeadLinks: false,
  // typedoc copies the files that package READMEs link to (the guides, the root README) into
  // api/_media; links to them are sent to the guides or the repository instead (below).
  srcExclude: ['api/_media/**'],
  themeConfig: {
    nav: [
      { text: 'Guides', link: guides[0]?.link ?? '/' },
      { text: 'API', link: api[0]?.link ?? '/' },
      { text: 'Repository', link: repository },
    ],
    sidebar: [
      { text: 'Guides', items: guides },
      { text: 'API reference', collapsed: false, items: api },
    ],
    search: { provider: 'local' },
  },
  markdown: {
    config(md) {
      // Links from docs/ to the rest of the repository (packages, examples, the README) point at
      // the repository, so the site has no dead link and the files still link on GitHub.
      const render = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
      md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
        const token = tokens[idx]!;
        const href = token.attrGet('href');
        if (href && !/^[a-z]+:|^#|^\//i.test(href) && env?.relativePath) {
          const [path, hash] = href.split('#') as [string, string | undefined];
          const target = posix.normalize(posix.join(posix.dirname(env.relativePath as string), path));
          const media = /^api\/_media\/([^/]+)$/.exec(target);
          if (media) {
            const name = media[1]!;
            const guide = name !== 'README.md' && existsSync(join(docs, name));
            token.attrSet('href', guide ? `/${name.replace(/\.md$/, '')}${hash ? `#${hash}` : ''}` : `${repository}/blob/main/${name}${hash ? `#${hash}` : ''}`);
          } else if (target.startsWith('../')) {
            const inRepo = relative(root, resolve(docs, target));
            const kind = existsSync(join(root, inRepo)) && !inRepo.includes('.') ? 'tree' : 'blob';
            token.attrSet('href', `${repository}/${kind}/main/${inRepo}${hash ? `#${hash}` : ''}`);
          }
        }
        return render(tokens, idx, options, env, self);
      };
    },
  },
});
