// filesync status page: draws /observe/filesync into the page's tables every few seconds.
// Every value goes in through textContent, never as markup: file names and error messages are untrusted.
(function () {
  'use strict';

  var FACTS = '../observe/filesync';
  var EVERY_MS = 3000;

  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  function stateCell(row, state) {
    return cell(row, state || '', state ? 'state state-' + state : '');
  }

  function figures(values, skip) {
    return Object.keys(values || {}).filter(function (name) { return skip.indexOf(name) < 0; })
      .map(function (name) { return name + ': ' + number(values[name]); }).join(', ');
  }

  function number(value) {
    return typeof value === 'number' && Math.round(value) === value ? String(value) : String(value);
  }

  // Replaces a table's rows with one per item; an empty list shows one "none" row.
  function fill(id, items, draw, key) {
    var body = document.querySelector('#' + id + ' tbody');
    var rows = document.createDocumentFragment();
    (items || []).forEach(function (item) {
      var row = document.createElement('tr');
      if (key) {
        row.setAttribute('data-key', key(item));
      }
      draw(row, item);
      rows.appendChild(row);
    });
    if (!items || items.length === 0) {
      var row = document.createElement('tr');
      var td = cell(row, 'none', 'empty');
      td.colSpan = document.querySelectorAll('#' + id + ' thead th').length;
      rows.appendChild(row);
    }
    body.replaceChildren(rows);
  }

  function totals(subjects) {
    var byJob = {};
    (subjects || []).forEach(function (subject) {
      var sums = byJob[subject.job] = byJob[subject.job] || {};
      Object.keys(subject.values || {}).forEach(function (name) {
        sums[name] = (sums[name] || 0) + (subject.values[name] || 0);
      });
    });
    return Object.keys(byJob).sort().map(function (job) { return { job: job, values: byJob[job] }; });
  }

  function draw(facts) {
    var status = document.getElementById('status');
    status.textContent = facts.status;
    status.className = 'state state-' + facts.status;
    document.getElementById('dry-run').hidden = !facts.dryRun;

    fill('jobs', facts.jobs, function (row, job) {
      cell(row, job.id);
      stateCell(row, job.state);
      cell(row, (job.doing || []).join(', '));
      cell(row, job.lastError);
    }, function (job) { return job.id; });
    fill('subjects', facts.subjects, function (row, subject) {
      cell(row, subject.job);
      cell(row, subject.subject);
      stateCell(row, subject.state);
      cell(row, subject.values && 'queue.depth' in subject.values ? number(subject.values['queue.depth']) : '');
      cell(row, figures(subject.values, ['queue.depth']));
    }, function (subject) { return subject.job + ' ' + subject.subject; });
    fill('totals', totals(facts.subjects), function (row, total) {
      cell(row, total.job);
      cell(row, figures(total.values, []));
    }, function (total) { return total.job; });
    fill('transfers', facts.transfers, function (row, transfer) {
      cell(row, transfer.mapping);
      cell(row, transfer.path);
      cell(row, transfer.bytes);
      cell(row, transfer.detail || transfer.event);
    });
    fill('checks', facts.checks, function (row, check) {
      cell(row, check.id);
      stateCell(row, check.state);
      cell(row, check.message);
    }, function (check) { return check.id; });
    fill('would-delete', facts.wouldDelete, function (row, record) {
      cell(row, record.occurred_at);
      cell(row, record.job);
      cell(row, 'would ' + record.action);
      cell(row, record.subject);
      cell(row, record.detail);
    });
    fill('errors', facts.errors, function (row, error) {
      cell(row, error.occurred_at);
      cell(row, error.job);
      cell(row, error.source);
      cell(row, error.reason);
    });
    fill('audits', facts.audits, function (row, audit) {
      cell(row, audit.occurred_at);
      cell(row, audit.mapping);
      cell(row, audit.event);
      cell(row, audit.kind);
      cell(row, audit.path);
      cell(row, audit.detail);
    });
    document.getElementById('updated').textContent = 'Updated ' + new Date().toLocaleTimeString() + '.';
  }

  function refresh() {
    fetch(FACTS, { cache: 'no-store' })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error('HTTP ' + answer.status);
        }
        return answer.json();
      })
      .then(draw)
      .catch(function (failure) {
        var status = document.getElementById('status');
        status.textContent = 'stale';
        status.className = 'state state-stale';
        document.getElementById('updated').textContent = 'filesync does not answer (' + failure.message + '); retrying.';
      })
      .finally(function () { setTimeout(refresh, EVERY_MS); });
  }

  refresh();
}());
