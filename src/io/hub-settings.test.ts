// Tests for Hub settings from options and environment variables, repository id syntax and cache naming.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RepoCache, normalizeEtag, safeSegment } from './hub-cache.js';
import { isHubId } from './hub.js';
import { hubSettings } from './hub-settings.js';

test('defaults follow huggingface_hub when no variable is set', () => {
  const settings = hubSettings({ env: { XDG_CACHE_HOME: undefined } });
  assert.equal(settings.endpoint, 'https://huggingface.co');
  assert.equal(settings.cacheDir, join(homedir(), '.cache', 'huggingface', 'hub'));
  assert.equal(settings.revision, 'main');
  assert.equal(settings.repoType, 'model');
  assert.equal(settings.offline, false);
});

test('variables set the endpoint, cache, token and offline mode; options override them', () => {
  const home = mkdtempSync(join(tmpdir(), 'hf-home-'));
  try {
    const env = { HF_HOME: home, HF_ENDPOINT: 'http://mirror.local/', HF_HUB_OFFLINE: 'True' };
    assert.equal(hubSettings({ env }).cacheDir, join(home, 'hub'));
    assert.equal(hubSettings({ env }).endpoint, 'http://mirror.local');
    assert.equal(hubSettings({ env }).offline, true);
    assert.equal(hubSettings({ env, offline: false }).offline, false);
    assert.equal(hubSettings({ env: { ...env, HF_HUB_CACHE: '/elsewhere' } }).cacheDir, '/elsewhere');
    assert.equal(hubSettings({ env: { XDG_CACHE_HOME: '/xdg' } }).cacheDir, join('/xdg', 'huggingface', 'hub'));
    for (const value of ['0', 'false', '', 'no']) assert.equal(hubSettings({ env: { HF_HUB_OFFLINE: value } }).offline, false, value);

    assert.equal(hubSettings({ env }).token, undefined);
    writeFileSync(join(home, 'token'), 'from-login\n');
    assert.equal(hubSettings({ env }).token, 'from-login');
    writeFileSync(join(home, 'other-token'), 'from-path');
    assert.equal(hubSettings({ env: { ...env, HF_TOKEN_PATH: join(home, 'other-token') } }).token, 'from-path');
    assert.equal(hubSettings({ env: { ...env, HF_TOKEN: 'from-env' } }).token, 'from-env');
    assert.equal(hubSettings({ env: { ...env, HF_TOKEN: 'from-env' }, token: 'explicit' }).token, 'explicit');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('isHubId accepts repository ids and rejects paths', () => {
  for (const id of ['bert-base-uncased', 'google-bert/bert-base-uncased', 'org_1/model.v2', 'a/b']) assert.ok(isHubId(id), id);
  for (const value of [
    './model',
    '../model',
    '/abs/path',
    'a/b/c',
    'org/-bad',
    'org/bad-',
    'a--b/c',
    'a/b..c',
    'org/model.git',
    '',
    'has space/x',
    'C:\\models\\bert',
    '~/model',
    `org/${'x'.repeat(97)}`,
  ]) {
    assert.ok(!isHubId(value), value);
  }
});

test('cache names: repo folders, ETags and unsafe segments', () => {
  assert.equal(new RepoCache('/c', 'model', 'org/name').folder, join('/c', 'models--org--name'));
  assert.equal(new RepoCache('/c', 'dataset', 'name').folder, join('/c', 'datasets--name'));
  assert.equal(normalizeEtag('W/"abc"'), 'abc');
  assert.equal(normalizeEtag('"abc"'), 'abc');
  assert.equal(safeSegment('abc-1.2_x'), 'abc-1.2_x');
  for (const unsafe of ['..', '../x', 'a/b', '"q"']) assert.match(safeSegment(unsafe), /^[0-9a-f]{64}$/);
});

test('an endpoint that is not an http(s) URL is one line naming where it came from', () => {
  assert.throws(() => hubSettings({ env: { HF_ENDPOINT: 'file:///etc' } }), {
    name: 'FinetuneError',
    message: 'HF_ENDPOINT file:///etc: the Hub is reached over http:// or https://, not file:',
  });
  assert.throws(() => hubSettings({ env: {}, endpoint: 'huggingface.co' }), {
    message: 'endpoint huggingface.co: not a URL (expected e.g. https://huggingface.co)',
  });
});
