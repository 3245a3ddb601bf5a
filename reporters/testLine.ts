// Pure: the line a test starts on in its file. Jest gives it when testLocationInResults is on; a reporter
// cannot turn that on (Jest freezes its global config before reporters exist), so otherwise the test is
// looked up among the file's test calls (testSites.ts) by its describe blocks and its title.

import type {TestSite} from './testSites';

/** How well a call's titles fit a test's: each title as written, or a describe whose title only Jest knows. */
type Fit = 'exact' | 'loose' | 'none';

function fit(site: TestSite, ancestors: readonly string[], title: string): Fit {
  if (site.title !== title || site.describes.length !== ancestors.length) return 'none';
  let loose = false;
  for (const [depth, block] of site.describes.entries()) {
    if (block === null) loose = true;
    else if (block !== ancestors[depth]) return 'none';
  }
  return loose ? 'loose' : 'exact';
}

/**
 * The line of the test titled `title` inside the describe blocks `ancestors`, or null when no call in the
 * source has those titles (a generated title, a test defined in a helper). A title in another block, at
 * another depth, is another test's; occurrence (0: the first) tells apart two tests of one title in one
 * block. Calls whose every title is written out come before those in a describe of a computed title.
 */
export function testLine(sites: readonly TestSite[], ancestors: readonly string[], title: string, occurrence = 0): number | null {
  const fits = sites.map(site => fit(site, ancestors, title));
  const exact = sites.filter((_, i) => fits[i] === 'exact');
  const candidates = exact.length > 0 ? exact : sites.filter((_, i) => fits[i] === 'loose');
  return candidates[occurrence]?.line ?? null;
}
