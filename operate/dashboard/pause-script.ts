/**
 * The page's pause panel, served as /pause.js after /app.js (client-script.ts), whose helpers it
 * uses and whose state it draws (the `orderflow:state` event): per stage, the operator's pause on
 * record (who, why, since, until when, or that it ended by itself), and a Pause… and a Resume…
 * button, each confirmed in a dialog that asks for the dashboard token where one is required and
 * shows the server's refusal (unknown stage, bad until, not paused, the token) as one line. Every
 * value is written as text, never as markup.
 */

export const PAUSE_SCRIPT = String.raw`'use strict';
(function () {
  var page = window.orderflowPage;
  var $ = page.$;
  var config = { tokenRequired: false };
  var token = '';
  var acting = null;

  function shown(p) {
    if (!p) return 'not paused';
    return p.inForce ? 'paused by ' + p.by : 'ended by itself (paused by ' + p.by + ')';
  }

  function button(cls, label, stage, verb) {
    var b = page.el('button', { type: 'button', class: cls }, [label]);
    b.addEventListener('click', function () { openDialog(stage, verb); });
    return b;
  }

  function drawPauses(stages) {
    if (!page.changed('pauses', stages.map(function (s) { return [s.stage, s.operatorPause || null]; }))) return;
    var tbody = $('pauses').tBodies[0];
    tbody.replaceChildren.apply(tbody, stages.map(function (s) {
      var p = s.operatorPause;
      var state = !p ? 'none' : p.inForce ? 'paused' : 'ended';
      return page.el('tr', { 'data-stage': s.stage, 'data-pause': state, 'data-by': p ? p.by : '' }, [
        page.cell(s.stage),
        page.el('td', { class: 'pause-' + state }, [shown(p)]),
        page.el('td', { class: 'reason' }, [p && p.reason ? p.reason : '–']),
        page.cell(p ? p.since : undefined),
        page.el('td', { class: 'until' }, [!p ? '–' : p.until || 'until resumed']),
        page.el('td', {}, [button('pause', 'Pause…', s.stage, 'pause'), button('resume', 'Resume…', s.stage, 'resume')]),
      ]);
    }));
  }

  function openDialog(stage, verb) {
    acting = { stage: stage, verb: verb };
    var pausing = verb === 'pause';
    $('stage-verb').textContent = pausing ? 'Pause' : 'Resume';
    $('stage-name').textContent = stage;
    $('stage-explain').textContent = pausing
      ? 'Every bridge stops taking new orders of this stage; runs already started finish, and orders published meanwhile wait in the stream.'
      : 'Every bridge takes the orders of this stage again, those that waited first.';
    $('stage-pause-fields').hidden = !pausing;
    $('stage-reason').value = '';
    $('stage-until').value = '';
    $('stage-token-label').hidden = !config.tokenRequired;
    $('stage-token').value = token;
    $('stage-error').textContent = '';
    $('stage-confirm').textContent = pausing ? 'Pause' : 'Resume';
    $('stage-dialog').showModal();
  }

  function confirmAction(event) {
    event.preventDefault();
    var a = acting;
    if (!a) return;
    token = $('stage-token').value;
    var body = {};
    if (a.verb === 'pause') {
      body.reason = $('stage-reason').value;
      if ($('stage-until').value.trim()) body.until = $('stage-until').value.trim();
    }
    $('stage-confirm').disabled = true;
    page.postAction('/api/stages/' + encodeURIComponent(a.stage) + '/' + a.verb, token, body).then(function (answer) {
      $('stage-dialog').close();
      acting = null;
      $('pause-result').textContent = answer.message;
    }).catch(function (err) {
      $('stage-error').textContent = String(err.message || err);
    }).finally(function () { $('stage-confirm').disabled = false; });
  }

  document.addEventListener('orderflow:state', function (e) {
    config = e.detail.config;
    drawPauses(e.detail.state.system.stages);
  });
  document.addEventListener('DOMContentLoaded', function () {
    $('stage-form').addEventListener('submit', confirmAction);
    $('stage-cancel').addEventListener('click', function () { $('stage-dialog').close(); acting = null; });
  });
})();
`;
