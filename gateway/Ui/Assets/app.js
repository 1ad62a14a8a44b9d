// Codeur's live task page. Plain script, no framework, no build step. Everything that came from a task (text,
// requester, output, git results) reaches the DOM through textContent or attribute setters, never as markup; the
// Content-Security-Policy the gateway sends would refuse inline code anyway.
'use strict';

(() => {
  const TOKEN_KEY = 'codeur.token';
  const REFRESH_MS = 3000;
  const LOG_CAP = 512 * 1024; // characters kept in the log view; older text is dropped from the top
  const $ = (id) => document.getElementById(id);

  const state = { selected: null, follow: null, timer: null, before: null, older: [], refreshes: 0 };

  // The token lives in this tab's session storage only: gone when the tab closes, never shared with other tabs,
  // never in localStorage or a cookie.
  const token = {
    get: () => sessionStorage.getItem(TOKEN_KEY),
    set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
    clear: () => sessionStorage.removeItem(TOKEN_KEY),
  };

  // Relative to /ui/, so the page also works below a path prefix.
  const api = (path) => new URL('../api/' + path, document.baseURI).toString();

  class AuthError extends Error {}

  async function request(path, init = {}) {
    const headers = new Headers(init.headers || {});
    headers.set('Authorization', 'Bearer ' + token.get());
    headers.set('Accept', init.accept || 'application/json');
    const response = await fetch(api(path), { ...init, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' });
    if (response.status === 401) {
      throw new AuthError('the token was refused');
    }
    return response;
  }

  async function json(path, init) {
    const response = await request(path, init);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(body.error || `HTTP ${response.status}`);
    }
    return body;
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function showError(message) {
    const box = $('error');
    box.textContent = message || '';
    box.hidden = !message;
  }

  function duration(ms) {
    if (ms === undefined || ms === null) {
      return '';
    }
    const s = Math.round(ms / 1000);
    return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  }

  function time(iso) {
    return iso ? new Date(iso).toLocaleString() : '';
  }

  function commandText(task) {
    return [task.command, ...(task.args || [])].join(' ');
  }

  function stateBadge(name) {
    return el('span', name, 'state state-' + String(name).replace(/[^a-z_]/g, ''));
  }

  // ---- list ----

  function filters() {
    const query = new URLSearchParams();
    for (const [key, id] of [['state', 'f-state'], ['project', 'f-project'], ['requester', 'f-requester']]) {
      const value = $(id).value.trim();
      if (value) {
        query.set(key, value);
      }
    }
    return query;
  }

  function row(task) {
    const tr = el('tr');
    tr.dataset.id = task.task_id;
    tr.dataset.state = task.state;
    if (task.task_id === state.selected) {
      tr.classList.add('selected');
    }
    tr.append(el('td', task.task_id.slice(0, 12), 'id'));
    const stateCell = el('td');
    stateCell.append(stateBadge(task.state));
    tr.append(stateCell, el('td', task.project, 'project'), el('td', task.requester, 'requester'),
      el('td', commandText(task), 'command'), el('td', duration(task.duration_ms), 'duration'), el('td', time(task.created_at)));
    tr.addEventListener('click', () => select(task.task_id));
    return tr;
  }

  async function refresh() {
    // An answer to an older refresh (other filters, a slower poll) must not overwrite a newer one.
    const ticket = ++state.refreshes;
    try {
      const query = filters();
      query.set('limit', '50');
      const page = await json('tasks?' + query);
      if (ticket !== state.refreshes) {
        return;
      }
      const body = document.querySelector('#tasks tbody');
      body.replaceChildren(...page.tasks.map(row), ...state.older.map(row));
      if (state.older.length === 0) {
        state.before = page.next || null;
      }
      $('older').hidden = !state.before;
      const current = page.tasks.find((t) => t.task_id === state.selected);
      if (current) {
        $('d-duration').textContent = duration(current.duration_ms) || 'not started';
      }
      const active = page.tasks.filter((t) => t.state === 'queued' || t.state === 'running').length;
      $('summary').textContent = `${page.tasks.length + state.older.length} shown, ${active} queued or running`;
      showError('');
    } catch (error) {
      handle(error);
    }
  }

  async function loadOlder() {
    if (!state.before) {
      return;
    }
    try {
      const query = filters();
      query.set('limit', '50');
      query.set('before', state.before);
      const page = await json('tasks?' + query);
      state.older.push(...page.tasks);
      state.before = page.next || null;
      await refresh();
    } catch (error) {
      handle(error);
    }
  }

  // ---- one task ----

  function renderDetail(task) {
    $('detail').hidden = false;
    $('d-id').textContent = task.task_id;
    $('d-state').replaceChildren(stateBadge(task.state));
    $('d-command').textContent = commandText(task);
    $('d-project').textContent = task.project;
    $('d-requester').textContent = `${task.requester} (${task.platform})`;
    $('d-duration').textContent = duration(task.duration_ms) || 'not started';
    const ending = [];
    if (task.exit_code !== undefined && task.exit_code !== null) {
      ending.push(`exit code ${task.exit_code}`);
    }
    if (task.error) {
      ending.push(task.error);
    }
    $('d-ending').textContent = ending.join(' — ') || (task.cancel_requested ? 'cancel requested' : '');
    renderGit(task.git);
    $('cancel').hidden = !(task.state === 'queued' || task.state === 'running') || task.cancel_requested;
  }

  function renderGit(git) {
    const box = $('d-git');
    const pr = $('d-pr');
    box.replaceChildren();
    pr.replaceChildren();
    if (!git) {
      box.textContent = '—';
      pr.textContent = '—';
      return;
    }
    box.append(el('div', `branch ${git.branch} from ${String(git.base_commit).slice(0, 12)}: ` +
      `${git.files_changed} files changed, +${git.insertions} −${git.deletions}`));
    const commits = el('ul');
    for (const commit of git.commits || []) {
      commits.append(el('li', `${String(commit.sha).slice(0, 12)} ${commit.subject}`));
    }
    box.append(commits);
    const publication = git.publication;
    if (!publication) {
      pr.textContent = 'not published';
      return;
    }
    if (publication.error) {
      pr.append(el('div', publication.error, 'error'));
    }
    const url = safeLink(publication.pull_request_url);
    if (url) {
      const link = el('a', `#${publication.pull_request_number ?? ''} ${url}`);
      link.href = url;
      link.rel = 'noopener noreferrer';
      link.target = '_blank';
      link.id = 'pr-link';
      pr.append(link);
    } else {
      pr.append(el('span', publication.pushed ? `pushed to ${publication.remote}` : 'not pushed'));
    }
  }

  // Only http(s) links become clickable: a javascript: or data: URL in a stored record must stay text.
  function safeLink(value) {
    if (!value) {
      return null;
    }
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
    } catch {
      return null;
    }
  }

  async function select(id) {
    state.selected = id;
    for (const tr of document.querySelectorAll('#tasks tbody tr')) {
      tr.classList.toggle('selected', tr.dataset.id === id);
    }
    if (state.follow) {
      state.follow.abort();
    }
    $('log').textContent = '';
    $('d-live').textContent = '';
    try {
      const task = await json('tasks/' + encodeURIComponent(id));
      if (state.selected !== id) {
        return;
      }
      renderDetail(task);
      follow(id);
    } catch (error) {
      handle(error);
    }
  }

  function appendLog(text) {
    const log = $('log');
    const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.append(document.createTextNode(text));
    if (log.textContent.length > LOG_CAP) {
      log.textContent = log.textContent.slice(-LOG_CAP);
    }
    if (stick) {
      log.scrollTop = log.scrollHeight;
    }
  }

  // EventSource cannot send an Authorization header, so the stream is read with fetch and parsed here
  // (the text/event-stream format: blocks separated by a blank line, "field: value" lines, ":" comments).
  async function follow(id) {
    const controller = new AbortController();
    state.follow = controller;
    $('d-live').textContent = '(connecting)';
    try {
      const response = await request(`tasks/${encodeURIComponent(id)}/logs`, { signal: controller.signal, accept: 'text/event-stream' });
      if (!response.ok || !response.body) {
        const body = await response.json().catch(() => ({}));
        throw new Error(body.error || `HTTP ${response.status}`);
      }
      $('d-live').textContent = '(live)';
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffer += value;
        let end;
        while ((end = buffer.search(/\r\n\r\n|\n\n|\r\r/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + (buffer.startsWith('\r\n\r\n', end) ? 4 : 2));
          dispatch(id, parseEvent(block));
        }
      }
    } catch (error) {
      if (controller.signal.aborted) {
        return;
      }
      handle(error);
    } finally {
      if (state.follow === controller) {
        state.follow = null;
        $('d-live').textContent = '';
      }
    }
  }

  function parseEvent(block) {
    const event = { type: 'message', data: [] };
    for (const line of block.split(/\r\n|\r|\n/)) {
      if (line === '' || line.startsWith(':')) {
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) {
        value = value.slice(1);
      }
      if (field === 'event') {
        event.type = value;
      } else if (field === 'data') {
        event.data.push(value);
      }
    }
    return { type: event.type, data: event.data.join('\n') };
  }

  function dispatch(id, event) {
    if (state.selected !== id) {
      return;
    }
    if (event.type === 'output') {
      appendLog(event.data);
    } else if (event.type === 'queued') {
      $('d-live').textContent = '(queued, waiting to start)';
    } else if (event.type === 'end') {
      $('d-live').textContent = '(ended)';
      // The final record (state, git result, pull request) once the stream says it ended.
      json('tasks/' + encodeURIComponent(id)).then((task) => state.selected === id && renderDetail(task)).catch(handle);
      refresh();
    }
  }

  async function cancel() {
    const id = state.selected;
    if (!id) {
      return;
    }
    $('cancel').disabled = true;
    try {
      await json(`tasks/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
      renderDetail(await json('tasks/' + encodeURIComponent(id)));
      refresh();
    } catch (error) {
      handle(error);
    } finally {
      $('cancel').disabled = false;
    }
  }

  // ---- token and start-up ----

  function handle(error) {
    if (error instanceof AuthError) {
      token.clear();
      showLogin('The token was refused (401). Enter another.');
      return;
    }
    showError(error && error.message ? error.message : String(error));
  }

  function showLogin(message) {
    clearInterval(state.timer);
    state.timer = null;
    if (state.follow) {
      state.follow.abort();
    }
    $('main').hidden = true;
    $('forget').hidden = true;
    $('login').hidden = false;
    $('who').textContent = message || '';
    $('token').focus();
  }

  function start() {
    $('login').hidden = true;
    $('main').hidden = false;
    $('forget').hidden = false;
    $('who').textContent = '';
    refresh();
    clearInterval(state.timer);
    state.timer = setInterval(refresh, REFRESH_MS);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const value = $('token').value.trim();
      if (value) {
        token.set(value);
        $('token').value = '';
        start();
      }
    });
    $('forget').addEventListener('click', () => {
      token.clear();
      showLogin('Token forgotten.');
    });
    $('filters').addEventListener('submit', (event) => {
      event.preventDefault();
      state.older = [];
      state.before = null;
      refresh();
    });
    $('older').addEventListener('click', loadOlder);
    $('cancel').addEventListener('click', cancel);
    if (token.get()) {
      start();
    } else {
      showLogin();
    }
  });
})();
