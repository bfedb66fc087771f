/**
 * The dashboard page's script, served as /app.js: it subscribes to the server's event stream
 * (/events) and draws what it gets. Every value (order IDs, reasons and payloads are user data) is
 * written with text nodes and attributes, never parsed as markup; the charts are SVG elements it
 * builds itself. Plain browser JavaScript kept as a string: no build step, nothing downloaded.
 */

export const CLIENT_SCRIPT = String.raw`'use strict';
(function () {
  var config = { tokenRequired: false, temporalUi: '', namespace: 'default' };
  var token = '';
  var drawn = {};
  var SVG = 'http://www.w3.org/2000/svg';

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    (children || []).forEach(function (c) { e.append(c instanceof Node ? c : String(c)); });
    return e;
  }
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  /** Redraws a part only when its data changed, so rows under the pointer stay put. */
  function changed(part, data) {
    var key = JSON.stringify(data);
    if (drawn[part] === key) return false;
    drawn[part] = key;
    return true;
  }
  function time(iso) { return iso ? String(iso).slice(11, 23) : ''; }

  function drawAlerts(monitor, system) {
    var items = system.alerts.map(function (a) { return el('li', { 'data-kind': a.kind }, [a.message]); });
    monitor.alerts.forEach(function (a) {
      items.push(el('li', { 'data-kind': 'advisory' }, [
        time(a.time) + ' ' + a.kind + ' ' + a.consumer + ' seq ' + a.streamSeq + (a.reason ? ' ' + a.reason : ''),
      ]));
    });
    if (!changed('alerts', items.map(function (i) { return i.textContent; }))) return;
    $('alerts').replaceChildren.apply($('alerts'), items.length ? items : [el('li', { class: 'muted' }, ['none'])]);
  }

  function drawSubjects(monitor) {
    var rows = monitor.subjects.map(function (s) {
      return el('tr', { 'data-subject': s.subject }, [
        el('td', {}, [s.subject]),
        el('td', { class: 'total', 'data-total': s.total }, [s.total]),
        el('td', { class: 'rate', 'data-rate': s.perSecond.toFixed(1) }, [s.perSecond.toFixed(1)]),
      ]);
    });
    var tbody = $('subjects').tBodies[0];
    tbody.replaceChildren.apply(tbody, rows);
    drawRates(monitor.subjects);
  }

  function drawRates(subjects) {
    var chart = $('rates');
    var w = 480, h = 140, left = 30, bottom = 20;
    var most = 1;
    subjects.forEach(function (s) { s.series.forEach(function (v) { most = Math.max(most, v); }); });
    var parts = [
      svgEl('line', { class: 'axis', x1: left, y1: h - bottom, x2: w, y2: h - bottom }),
      svgEl('line', { class: 'axis', x1: left, y1: 5, x2: left, y2: h - bottom }),
      svgEl('text', { x: 2, y: 12 }, most + '/s'),
      svgEl('text', { x: 2, y: h - bottom }, '0'),
      svgEl('text', { x: left, y: h - 5 }, '60 s ago'),
      svgEl('text', { x: w - 25, y: h - 5 }, 'now'),
    ];
    var legend = [];
    subjects.forEach(function (s, i) {
      var n = s.series.length;
      var points = s.series.map(function (v, j) {
        var x = left + (j * (w - left)) / Math.max(1, n - 1);
        var y = h - bottom - (v / most) * (h - bottom - 10);
        return x.toFixed(1) + ',' + y.toFixed(1);
      });
      parts.push(svgEl('polyline', { class: 'c' + (i % 4), points: points.join(' '), 'data-subject': s.subject }));
      legend.push(el('span', {}, [el('i', { class: 'c' + (i % 4) }), s.subject]));
    });
    chart.replaceChildren.apply(chart, parts);
    $('rates-legend').replaceChildren.apply($('rates-legend'), legend);
  }

  function cell(v) { return el('td', {}, [v === undefined || v === null ? '–' : v]); }

  function drawStages(monitor, system) {
    if (changed('stages', system.stages)) {
      var tbody = $('stages').tBodies[0];
      tbody.replaceChildren.apply(tbody, system.stages.map(function (s) {
        return el('tr', { 'data-stage': s.stage, 'data-in-flight': s.inFlight === undefined ? '' : s.inFlight }, [
          cell(s.stage), cell(s.consumer), cell(s.inFlight), cell(s.pending), cell(s.ackPending), cell(s.redelivered),
          cell(s.operatorPause && s.operatorPause.inForce ? 'by ' + s.operatorPause.by : s.paused === undefined ? undefined : s.paused ? 'paused' : 'no'),
        ]);
      }));
    }
    $('acks').textContent = 'sampled acks ' + monitor.acks + ', redelivered ' + monitor.redelivered;
  }

  function drawAckDelay(monitor) {
    var d = monitor.ackDelay;
    if (!changed('ackDelay', d)) return;
    var chart = $('ack-delay');
    var w = 480, h = 160, bottom = 30, top = 14;
    var most = Math.max.apply(null, [1].concat(d.counts));
    var slot = w / d.counts.length;
    var parts = [svgEl('line', { class: 'axis', x1: 0, y1: h - bottom, x2: w, y2: h - bottom })];
    d.counts.forEach(function (count, i) {
      var bound = d.bounds[i];
      var label = bound === null ? '> ' + d.bounds[i - 1] / 1000 + ' s' : bound >= 1000 ? '≤ ' + bound / 1000 + ' s' : '≤ ' + bound + ' ms';
      var bh = (count / most) * (h - bottom - top);
      parts.push(svgEl('rect', { class: 'bar', x: i * slot + 4, y: h - bottom - bh, width: slot - 8, height: bh, 'data-count': count, 'data-bucket': label }));
      parts.push(svgEl('text', { x: i * slot + 4, y: h - bottom - bh - 3 }, count));
      parts.push(svgEl('text', { x: i * slot + 4, y: h - 12 }, label));
    });
    chart.replaceChildren.apply(chart, parts);
  }

  /** Each order's state comes from the server: the subject it last reached, or dead-lettered there. */
  function drawOrders(orders) {
    if (!changed('orders', orders)) return;
    var tbody = $('orders').tBodies[0];
    tbody.replaceChildren.apply(tbody, orders.map(function (o) {
      var open = el('button', { type: 'button', class: 'link open-order' }, [o.orderId]);
      open.addEventListener('click', function () { openTimeline(o.orderId); });
      var shown = o.deadLetter ? o.state + ' (' + o.deadLetter.kind + ', dead letter ' + o.deadLetter.id + ')' : o.state;
      return el('tr', { 'data-order-id': o.orderId, 'data-state': o.state }, [
        el('td', {}, [open]), el('td', { class: 'state-' + o.state }, [shown]), cell(o.lastSubject), cell(time(o.lastSeen)),
      ]);
    }));
  }

  function drawDeadLetters(system) {
    $('dead-letter-total').textContent = '(' + system.deadLetterTotal + ')';
    if (!changed('deadLetters', system.deadLetters)) return;
    var tbody = $('dead-letters').tBodies[0];
    tbody.replaceChildren.apply(tbody, system.deadLetters.map(function (d) {
      var redrive = el('button', { type: 'button', class: 'redrive' }, ['Redrive…']);
      redrive.addEventListener('click', function () { openRedrive(d); });
      return el('tr', { 'data-dead-letter-id': d.id, 'data-order-id': d.orderId || '', 'data-kind': d.kind }, [
        cell(d.id), cell(time(d.time)), cell(d.consumer), cell(d.kind), cell(d.orderId || '–'), cell(d.deliveries),
        el('td', { class: 'reason' }, [d.reason]), el('td', {}, [redrive]),
      ]);
    }));
  }

  function render(data) {
    drawAlerts(data.monitor, data.system);
    drawSubjects(data.monitor);
    drawStages(data.monitor, data.system);
    drawAckDelay(data.monitor);
    drawOrders(data.orders);
    drawDeadLetters(data.system);
    $('updated').textContent = 'updated ' + time(data.monitor.time);
    // The pause panel (pause-script.ts) draws from the same state.
    document.dispatchEvent(new CustomEvent('orderflow:state', { detail: { state: data, config: config } }));
  }

  function runLink(workflowId, runId) {
    if (!config.temporalUi) return null;
    var href = config.temporalUi.replace(/\/+$/, '') + '/namespaces/' + encodeURIComponent(config.namespace) +
      '/workflows/' + encodeURIComponent(workflowId) + '/' + encodeURIComponent(runId);
    return el('a', { href: href, target: '_blank', rel: 'noopener noreferrer', class: 'temporal-link' }, ['Temporal UI']);
  }

  function ref(m) {
    if (!m) return '–';
    return m.subject + ' #' + m.streamSeq + (m.acked === undefined ? '' : m.acked ? ' acked' : ' not acked');
  }

  function drawTimeline(t) {
    var parts = t.stages.map(function (s) {
      var items = s.runs.map(function (r) {
        var link = runLink(s.workflowId, r.runId);
        var li = el('li', { class: 'run', 'data-run-id': r.runId }, [
          'run ' + r.runId + ': ' + r.status + ', started ' + r.startTime + (r.closeTime ? ', closed ' + r.closeTime : '') + ' ',
        ]);
        if (link) li.append(link);
        return li;
      });
      if (s.plan) items.push(el('li', {}, ['plan ' + s.plan.digest + ' (' + s.plan.functions.map(function (f) { return f.name; }).join(' → ') + ') by ' + s.plan.build]));
      (s.steps || []).forEach(function (st) {
        items.push(el('li', { class: 'step' }, [st.name + ' attempt ' + st.attempt + (st.build ? ' by ' + st.build : '')]));
      });
      if (s.currentActivity) items.push(el('li', {}, ['now ' + s.currentActivity.name + ' attempt ' + s.currentActivity.attempt + (s.currentActivity.lastFailure ? ' (' + s.currentActivity.lastFailure + ')' : '')]));
      if (s.waiting) items.push(el('li', {}, ['waiting: ' + s.waiting]));
      if (s.failingWorkflowTask) items.push(el('li', { class: 'error' }, ['workflow task failing (attempt ' + s.failingWorkflowTask.attempt + '): fix the workers']));
      if (s.failure) items.push(el('li', { class: 'error' }, ['failure: ' + s.failure]));
      items.push(el('li', {}, ['in ' + ref(s.input) + ', out ' + ref(s.output)]));
      return el('div', { class: 'stage', 'data-stage': s.stage, 'data-status': s.status || 'not started' }, [
        el('h3', {}, [s.stage + ' — ' + (s.status || 'not started') + ' (' + s.workflowId + ')']),
        el('ul', {}, items),
      ]);
    });
    t.deadLetters.forEach(function (d) {
      parts.push(el('p', { class: 'error' }, ['dead letter ' + d.id + ' (' + d.consumer + ', ' + d.kind + ', ' + d.deliveries + ' deliveries): ' + d.reason]));
    });
    if (!t.known) parts.push(el('p', { class: 'muted' }, ['no workflow ran for this order yet, and it has no dead letter']));
    $('timeline').replaceChildren.apply($('timeline'), parts);
  }

  function openTimeline(orderId) {
    $('timeline-section').hidden = false;
    $('timeline-order').textContent = orderId;
    $('timeline').replaceChildren(el('p', { class: 'muted' }, ['loading…']));
    fetch('/api/orders/' + encodeURIComponent(orderId)).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(body.error || res.statusText);
        if ($('timeline-order').textContent === orderId) drawTimeline(body);
      });
    }).catch(function (err) {
      $('timeline').replaceChildren(el('p', { class: 'error' }, [String(err.message || err)]));
    });
  }

  /** An action: POST with a JSON body and the token, if any, as a Bearer header; the answer, or an Error with the server's one line. */
  function postAction(url, secret, body) {
    var headers = { 'Content-Type': 'application/json' };
    if (secret) headers.Authorization = 'Bearer ' + secret;
    return fetch(url, { method: 'POST', headers: headers, body: JSON.stringify(body) }).then(function (res) {
      return res.json().then(function (answer) {
        if (!res.ok) throw new Error(answer.error || res.statusText);
        return answer;
      });
    });
  }

  var redriving = null;
  function openRedrive(letter) {
    redriving = letter;
    $('redrive-id').textContent = String(letter.id);
    $('redrive-subject').textContent = letter.subject;
    $('redrive-payload').value = letter.payloadText;
    $('redrive-token-label').hidden = !config.tokenRequired;
    $('redrive-token').value = token;
    $('redrive-error').textContent = '';
    $('redrive-dialog').showModal();
  }

  function confirmRedrive(event) {
    event.preventDefault();
    var letter = redriving;
    if (!letter) return;
    token = $('redrive-token').value;
    var payload = $('redrive-payload').value;
    var body = payload === letter.payloadText ? {} : { payload: payload };
    $('redrive-confirm').disabled = true;
    postAction('/api/dead-letters/' + encodeURIComponent(letter.id) + '/redrive', token, body).then(function (answer) {
      $('redrive-dialog').close();
      redriving = null;
      $('action-result').textContent = 'dead letter ' + letter.id + ' (' + (answer.orderId || 'no order id') + ') redriven as ORDERS seq ' + answer.seq;
    }).catch(function (err) {
      $('redrive-error').textContent = String(err.message || err);
    }).finally(function () { $('redrive-confirm').disabled = false; });
  }

  // Shared with the pause panel's script (/pause.js), loaded after this one.
  window.orderflowPage = { $: $, el: el, cell: cell, changed: changed, postAction: postAction };

  function connect() {
    var events = new EventSource('/events');
    events.addEventListener('open', function () { $('connection').textContent = 'live'; });
    events.addEventListener('error', function () { $('connection').textContent = 'reconnecting…'; });
    events.addEventListener('state', function (e) { render(JSON.parse(e.data)); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('redrive-form').addEventListener('submit', confirmRedrive);
    $('redrive-cancel').addEventListener('click', function () { $('redrive-dialog').close(); redriving = null; });
    $('timeline-close').addEventListener('click', function () { $('timeline-section').hidden = true; });
    fetch('/api/config').then(function (res) { return res.json(); }).then(function (c) { config = c; }).finally(connect);
  });
})();
`;
