// Pure: the line a test starts on in its file. Jest gives it when testLocationInResults is on; a reporter
// cannot turn that on (Jest freezes its global config before reporters exist), so otherwise the test is
// looked up among the file's test calls (testSites.ts) by its describe blocks and its title.

import type {SourceTitle, TestSite} from './testSites';

/**
 * How well a call's titles fit a test's: each as written ('exact'), or some only as a .each pattern or a
 * describe whose title only Jest knows ('loose').
 */
type Fit = 'exact' | 'loose' | 'none';

function titleFit(written: SourceTitle, actual: string, unknown: 'loose' | 'none'): Fit {
  if (written === null) return unknown;
  if (typeof written === 'string') return written === actual ? 'exact' : 'none';
  return written.test(actual) ? 'loose' : 'none';
}

function fit(site: TestSite, ancestors: readonly string[], title: string): Fit {
  if (site.describes.length !== ancestors.length) return 'none';
  // A test's own computed title could be any test's: only a describe's is let through.
  const fits = [titleFit(site.title, title, 'none'), ...site.describes.map((block, depth) => titleFit(block, ancestors[depth], 'loose'))];
  if (fits.includes('none')) return 'none';
  return fits.includes('loose') ? 'loose' : 'exact';
}

/**
 * The line of the test titled `title` inside the describe blocks `ancestors`, or null when no call in the
 * source has those titles (a computed title, a test defined in a helper). A title in another block, at
 * another depth, is another test's; occurrence (0: the first) tells apart two tests of one title in one
 * block, where a .each call stands for all its rows. Calls whose every title is written out come before
 * those that fit only by a .each pattern or by a describe of a computed title.
 */
export function testLine(sites: readonly TestSite[], ancestors: readonly string[], title: string, occurrence = 0): number | null {
  const fits = sites.map(site => fit(site, ancestors, title));
  const exact = sites.filter((_, i) => fits[i] === 'exact');
  const candidates = exact.length > 0 ? exact : sites.filter((_, i) => fits[i] === 'loose');
  let before = occurrence;
  for (const site of candidates) {
    if (site.repeats || before === 0) return site.line;
    before--;
  }
  return null;
}
