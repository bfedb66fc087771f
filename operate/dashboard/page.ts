/**
 * The dashboard page's HTML and CSS, served as they are (no build step, nothing fetched from the
 * internet). The page holds no data: its script (client-script.ts) fills it from the server's
 * event stream, writing every value as text, never as markup.
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orderflow dashboard</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
<script src="/pause.js" defer></script>
</head>
<body>
<header>
  <h1>orderflow</h1>
  <span id="connection" class="muted">connecting…</span>
  <span id="updated" class="muted"></span>
</header>
<section id="alerts-section">
  <h2>Alerts</h2>
  <ul id="alerts"><li class="muted">none</li></ul>
</section>
<main>
  <section>
    <h2>Subjects</h2>
    <table id="subjects"><thead><tr><th>subject</th><th>total</th><th>per s (10 s)</th></tr></thead><tbody></tbody></table>
    <svg id="rates" width="480" height="140" role="img" aria-label="messages per second, last 60 s"></svg>
    <div id="rates-legend" class="legend"></div>
  </section>
  <section>
    <h2>Stages</h2>
    <table id="stages"><thead><tr><th>stage</th><th>consumer</th><th>in flight</th><th>pending</th><th>ack pending</th><th>redelivered</th><th>paused</th></tr></thead><tbody></tbody></table>
    <p id="acks" class="muted"></p>
  </section>
  <section id="pauses-section" class="wide">
    <h2>Operators’ pauses</h2>
    <table id="pauses"><thead><tr><th>stage</th><th>pause</th><th>reason</th><th>since</th><th>until</th><th></th></tr></thead><tbody></tbody></table>
    <p id="pause-result" role="status"></p>
  </section>
  <section>
    <h2>Ack delay</h2>
    <svg id="ack-delay" width="480" height="160" role="img" aria-label="ack-delay histogram"></svg>
  </section>
  <section>
    <h2>Recent orders</h2>
    <table id="orders"><thead><tr><th>order</th><th>state</th><th>last subject</th><th>last seen</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="timeline-section" class="wide" hidden>
    <h2>Order <span id="timeline-order"></span> <button id="timeline-close" type="button">close</button></h2>
    <div id="timeline"></div>
  </section>
  <section class="wide">
    <h2>Dead letters <span id="dead-letter-total" class="muted"></span></h2>
    <table id="dead-letters"><thead><tr><th>id</th><th>time</th><th>consumer</th><th>kind</th><th>order</th><th>deliveries</th><th>reason</th><th></th></tr></thead><tbody></tbody></table>
    <p id="action-result" role="status"></p>
  </section>
</main>
<dialog id="redrive-dialog">
  <form method="dialog" id="redrive-form">
    <h2>Redrive dead letter <span id="redrive-id"></span>?</h2>
    <p>It goes back to <code id="redrive-subject"></code> as a new attempt and leaves the dead letters.
    A corrected payload is validated as the stage would validate it; an invalid one is refused.</p>
    <label>Payload <textarea id="redrive-payload" rows="10" cols="70" spellcheck="false"></textarea></label>
    <label id="redrive-token-label">Dashboard token <input id="redrive-token" type="password" autocomplete="off"></label>
    <p id="redrive-error" class="error" role="alert"></p>
    <menu>
      <button id="redrive-cancel" value="cancel" type="button">Cancel</button>
      <button id="redrive-confirm" value="confirm" type="submit">Redrive</button>
    </menu>
  </form>
</dialog>
<dialog id="stage-dialog">
  <form method="dialog" id="stage-form">
    <h2><span id="stage-verb"></span> stage <span id="stage-name"></span>?</h2>
    <p id="stage-explain"></p>
    <div id="stage-pause-fields">
      <label>Reason <input id="stage-reason" type="text" maxlength="500" size="50"></label>
      <label>Until (optional: 30m, 2h, 1d or an ISO 8601 time; empty: until resumed) <input id="stage-until" type="text" size="30"></label>
    </div>
    <label id="stage-token-label">Dashboard token <input id="stage-token" type="password" autocomplete="off"></label>
    <p id="stage-error" class="error" role="alert"></p>
    <menu>
      <button id="stage-cancel" value="cancel" type="button">Cancel</button>
      <button id="stage-confirm" value="confirm" type="submit">Confirm</button>
    </menu>
  </form>
</dialog>
</body>
</html>
`;

export const PAGE_CSS = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; font-size: 14px; }
body { margin: 0 1.5rem 2rem; }
/* Above the rules that set display (dialog labels): a hidden element stays hidden. */
[hidden] { display: none !important; }
header { display: flex; gap: 1rem; align-items: baseline; }
h1 { font-size: 1.4rem; margin: 0.8rem 0; }
h2 { font-size: 1.05rem; margin: 1rem 0 0.4rem; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 0 2rem; }
section.wide { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.2rem 0.5rem; border-bottom: 1px solid #8884; font-variant-numeric: tabular-nums; }
td.reason { max-width: 40rem; overflow-wrap: anywhere; }
.muted { color: #888; }
.error { color: #c33; }
#alerts li { color: #c33; }
#alerts li.muted { color: #888; }
button.link { background: none; border: none; padding: 0; color: #36c; cursor: pointer; text-decoration: underline; font: inherit; }
.legend span { margin-right: 1rem; }
.legend i { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: middle; }
.legend i.c0, svg .c0 { background: #36c; stroke: #36c; fill: #36c; }
.legend i.c1, svg .c1 { background: #e80; stroke: #e80; fill: #e80; }
.legend i.c2, svg .c2 { background: #2a4; stroke: #2a4; fill: #2a4; }
.legend i.c3, svg .c3 { background: #a3c; stroke: #a3c; fill: #a3c; }
/* An id, to outweigh the colour classes' fill: a series is a line, not an area. */
#rates polyline { fill: none; stroke-width: 2; }
svg .axis { stroke: #8888; }
svg text { fill: currentColor; font-size: 10px; }
svg rect.bar { fill: #36c; }
.state-completed { color: #2a4; }
.state-received, .state-processed { color: #e80; }
.state-dead-lettered { color: #c33; }
.pause-paused { color: #e80; font-weight: 600; }
#pauses button { margin-right: 0.4rem; }
dialog textarea { display: block; width: 100%; font-family: ui-monospace, monospace; }
dialog input[type="text"] { display: block; }
dialog label { display: block; margin: 0.5rem 0; }
.stage { margin-bottom: 0.8rem; }
.stage h3 { font-size: 0.95rem; margin: 0.3rem 0; }
.stage ul { margin: 0.2rem 0; padding-left: 1.2rem; }
`;
