// FakeMX dashboard. Every string a client sent (HELO, addresses) reaches the page through
// textContent only, never through HTML parsing, so a HELO of "<script>" is shown as text.
"use strict";

(function () {
  const OUTCOMES = ["deferred", "refused", "abandoned", "timeout", "limit", "shutdown"];
  const COLORS = {
    deferred: "#2e9e6b", refused: "#e08a1e", abandoned: "#8c96a8",
    timeout: "#8657d6", limit: "#d64545", shutdown: "#3a86c8",
  };
  const RANGES = { "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800, "30d": 2592000 };
  const LIVE_EVERY_MS = 2000;
  const REFRESH_EVERY_MS = 30000;
  const LIVE_ROWS = 50;

  const params = new URLSearchParams(window.location.search);
  const range = RANGES[params.get("range")] ? params.get("range") : "24h";
  const domain = (params.get("domain") || "").trim().toLowerCase();
  let lastId = 0;
  let attemptsChart = null;
  let trendChart = null;

  const $ = (id) => document.getElementById(id);

  function query(extra) {
    const q = new URLSearchParams(extra);
    if (domain) {
      q.set("domain", domain);
    }
    return q.toString();
  }

  async function getJson(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(body.error || `${path}: HTTP ${response.status}`);
    }
    return body;
  }

  function showError(error) {
    const box = $("error");
    box.textContent = error ? String(error.message || error) : "";
    box.hidden = !error;
  }

  const number = (n) => Number(n || 0).toLocaleString("en-US");
  const percent = (part, whole) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}% of sessions` : "");

  function setText(id, text) {
    $(id).textContent = text;
  }

  function fillTop(id, entries, what) {
    const table = $(id);
    table.replaceChildren();
    if (!entries || entries.length === 0) {
      const row = table.insertRow();
      const cell = row.insertCell();
      cell.className = "empty";
      cell.textContent = `no ${what} yet`;
      return;
    }
    for (const entry of entries) {
      const row = table.insertRow();
      const name = row.insertCell();
      name.textContent = entry.value === "" ? "(empty)" : entry.value;
      const count = row.insertCell();
      count.className = "num";
      count.textContent = number(entry.sessions);
    }
  }

  async function loadStats() {
    const stats = await getJson(`/api/stats?${query({ since: range })}`);
    const outcomes = stats.outcomes || {};
    setText("stat-sessions", number(stats.sessions));
    setText("stat-deferred", number(outcomes.deferred));
    setText("stat-deferred-share", percent(outcomes.deferred || 0, stats.sessions));
    setText("stat-unique", number(stats.uniqueIps));
    setText("stat-pregreet", number(stats.pregreet));
    setText("stat-pregreet-share", percent(stats.pregreet || 0, stats.sessions));
    setText("stat-refused", number(outcomes.refused));
    setText("stat-abandoned", number(outcomes.abandoned));
    fillTop("top-ips", stats.topIps, "clients");
    fillTop("top-networks", stats.topNetworks, "networks");
    fillTop("top-helos", stats.topHelos, "HELO names");
    fillTop("top-senders", stats.topSenderDomains, "sender domains");
    fillTop("top-recipients", stats.topRecipientDomains, "recipient domains");
  }

  function label(time, stepSeconds) {
    const d = new Date(time);
    const pad = (n) => String(n).padStart(2, "0");
    const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    return stepSeconds >= 86400 ? day : RANGES[range] > 86400 ? `${day} ${clock}` : clock;
  }

  function drawSeries(canvasId, existing, series) {
    const labels = series.points.map((p) => label(p.start, series.step));
    const datasets = OUTCOMES.map((outcome) => ({
      label: outcome,
      data: series.points.map((p) => (p.outcomes && p.outcomes[outcome]) || 0),
      backgroundColor: COLORS[outcome],
      borderWidth: 0,
      stack: "sessions",
    }));
    if (existing) {
      existing.data.labels = labels;
      existing.data.datasets = datasets;
      existing.update("none");
      return existing;
    }
    return new window.Chart($(canvasId), {
      type: "bar",
      data: { labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { maxTicksLimit: 12, autoSkip: true } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  async function loadCharts() {
    const series = await getJson(`/api/timeseries?${query({ since: range })}`);
    const total = series.points.reduce(
      (sum, p) => sum + OUTCOMES.reduce((s, o) => s + ((p.outcomes && p.outcomes[o]) || 0), 0), 0);
    setText("chart-note", `${number(total)} sessions, one bar per ${stepName(series.step)}`);
    attemptsChart = drawSeries("chart-attempts", attemptsChart, series);
    if (domain) {
      const trend = await getJson(`/api/timeseries?${query({ since: "30d", step: "1d" })}`);
      trendChart = drawSeries("chart-trend", trendChart, trend);
    }
  }

  function stepName(seconds) {
    if (seconds % 86400 === 0) return seconds === 86400 ? "day" : `${seconds / 86400} days`;
    if (seconds % 3600 === 0) return seconds === 3600 ? "hour" : `${seconds / 3600} hours`;
    if (seconds % 60 === 0) return seconds === 60 ? "minute" : `${seconds / 60} minutes`;
    return `${seconds} s`;
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function sessionRow(event, fresh) {
    const row = document.createElement("tr");
    row.dataset.id = String(event.id);
    if (fresh) row.className = "fresh";
    cell(row, new Date(event.startTime).toLocaleTimeString("en-GB"));
    cell(row, event.clientIp, "mono");
    cell(row, event.helo ?? "", "mono helo");
    cell(row, event.mailFrom === null ? "" : `<${event.mailFrom}>`, "mono");
    const rcpts = event.recipients || [];
    const more = event.recipientCount > rcpts.length ? ` (+${event.recipientCount - rcpts.length})` : "";
    cell(row, rcpts.length ? rcpts[0] + (rcpts.length > 1 ? ` +${rcpts.length - 1}` : "") + more : "", "mono");
    cell(row, event.stage);
    cell(row, event.replyCode === null ? "" : String(event.replyCode));
    const outcome = row.insertCell();
    const pill = document.createElement("span");
    pill.className = `pill ${OUTCOMES.includes(event.outcome) ? event.outcome : ""}`;
    pill.textContent = event.outcome;
    outcome.appendChild(pill);
    cell(row, `${((event.durationMs || 0) / 1000).toFixed(2)} s`, "num");
    return row;
  }

  function addSessions(events, fresh) {
    const body = $("sessions-body");
    for (const event of events) {
      body.insertBefore(sessionRow(event, fresh), body.firstChild);
      lastId = Math.max(lastId, event.id || 0);
    }
    while (body.rows.length > LIVE_ROWS) {
      body.deleteRow(body.rows.length - 1);
    }
  }

  async function loadRecent() {
    const events = await getJson(`/api/events?${query({ limit: String(LIVE_ROWS) })}`);
    // Newest first from the API; insert oldest first so the newest ends on top.
    addSessions(events.slice().reverse(), false);
  }

  async function follow() {
    const live = $("live-status");
    try {
      const events = await getJson(`/api/events?${query({ afterId: String(lastId), limit: "100" })}`);
      if (events.length > 0) {
        addSessions(events, true);
        refresh();
      }
      live.className = "live";
      live.textContent = "live";
    } catch (error) {
      live.className = "live stale";
      live.textContent = "reconnecting";
    }
    window.setTimeout(follow, LIVE_EVERY_MS);
  }

  let refreshing = false;
  async function refresh() {
    if (refreshing) return;
    refreshing = true;
    try {
      await Promise.all([loadStats(), loadCharts()]);
      showError(null);
    } catch (error) {
      showError(error);
    } finally {
      refreshing = false;
    }
  }

  async function start() {
    $("range").value = range;
    $("domain").value = domain;
    if (domain) {
      setText("scope", `domain ${domain}`);
      document.title = `FakeMX: ${domain}`;
      $("trend-panel").hidden = false;
      document.querySelector("#top-ips").previousElementSibling.textContent = "Top clients for this domain";
      document.querySelector("#top-senders").previousElementSibling.textContent = "Top senders for this domain";
    }
    $("range").addEventListener("change", () => $("controls").submit());
    try {
      await Promise.all([refresh(), loadRecent()]);
    } catch (error) {
      showError(error);
    }
    document.body.dataset.loaded = "true";
    window.setTimeout(follow, LIVE_EVERY_MS);
    window.setInterval(refresh, REFRESH_EVERY_MS);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
