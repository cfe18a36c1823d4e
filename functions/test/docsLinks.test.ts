import fs from 'node:fs';
import path from 'node:path';

// Every relative link in README.md, docs/ and the capability READMEs points at a file that exists,
// and every #anchor at a heading of that file (GitHub's slugs).
const repo = path.join(__dirname, '..', '..');

function markdownFiles(): string[] {
  const files = [path.join(repo, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !['node_modules', 'lib', '.git'].includes(entry.name)) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.md')) files.push(full);
    }
  };
  for (const dir of ['docs', 'functions/src', 'console', 'bench', 'scripts']) if (fs.existsSync(path.join(repo, dir))) walk(path.join(repo, dir));
  return files;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const match of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = match[1]!
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    anchors.add(seen === 0 ? base : `${base}-${seen}`);
  }
  for (const match of markdown.matchAll(/<a (?:name|id)="([^"]+)"/g)) anchors.add(match[1]!);
  return anchors;
}

export function brokenLinks(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const broken: string[] = [];
  for (const match of text.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const link = match[1]!;
    if (/^(https?:|mailto:)/.test(link)) continue;
    const [target, anchor] = link.split('#') as [string, string | undefined];
    const targetFile = target === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
    const where = `${path.relative(repo, file)} → ${link}`;
    if (!fs.existsSync(targetFile)) {
      broken.push(`${where} (no such file)`);
      continue;
    }
    if (anchor && targetFile.endsWith('.md') && !anchorsOf(fs.readFileSync(targetFile, 'utf8')).has(anchor)) broken.push(`${where} (no such heading)`);
  }
  return broken;
}

describe('documentation links', () => {
  test('every relative link and anchor in README.md and docs/ resolves', () => {
    const files = markdownFiles();
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  test('the check sees a missing file and a missing heading', () => {
    const dir = fs.mkdtempSync(path.join(repo, 'docs', '.links-'));
    try {
      const page = path.join(dir, 'page.md');
      fs.writeFileSync(page, '# A title, with punctuation!\n\n## Twice\n\n## Twice\n\n[ok](#a-title-with-punctuation) [ok](#twice-1) [gone](missing.md) [bad](#nowhere) `[code](nowhere.md)`\n');
      expect(brokenLinks(page).map((line) => line.replace(/^.*→ /, ''))).toEqual(['missing.md (no such file)', '#nowhere (no such heading)']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
