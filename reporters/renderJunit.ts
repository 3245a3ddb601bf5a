// Pure: renders the JUnit report object as an XML 1.0 document with xml2js's Builder.

import {Builder} from 'xml2js';
import type {JunitDocument} from './junitTypes';

export function renderJunit(document: JunitDocument): string {
  const builder = new Builder({
    xmldec: {version: '1.0', encoding: 'UTF-8'},
    renderOpts: {pretty: true, indent: '  ', newline: '\n'},
  });
  return `${builder.buildObject(document)}\n`;
}
