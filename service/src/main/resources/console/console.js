// cfgserver console: a read-mostly view over the REST API of the peer that serves it.
// No build step: plain DOM, one refresh per second, the event log polled after its last seq.
"use strict";

const PALETTE = ["#2f6fd6", "#1f9d55", "#d98c1a", "#8e44ad", "#16a2b8", "#c0392b", "#7f8c2d", "#e67e22",
  "#34495e", "#d35493", "#2c9c8f", "#9b6b3d"];
const REFRESH_MS = 1000;
const MAX_EVENTS = 300;

const state = { settings: { temporalUi: null, namespace: "default" }, cluster: null, afterSeq: 0, timer: null,
  eventsTimer: null, refreshing: false, polling: false, refused: false };

const $ = (id) => document.getElementById(id);

function esc(v) {
  return String(v == null ? "" : v).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
    '"': "&quot;", "'": "&#39;" })[c]);
}

async function api(path, options = {}) {
  const headers = { "Accept": "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const token = $("token").value.trim();
  if (token) headers["Authorization"] = "Bearer " + token;
  const res = await fetch(path, { method: options.method || "GET", headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = text; }
  if (!res.ok) {
    let message = body && body.message ? body.message : (res.status + " " + res.statusText);
    if (res.status === 401) message = "enter a token (top right): " + message;
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return body;
}

function toast(message) {
  let t = $("toast");
  if (!t) {
    t = document.createElement("div");
    t.id = "toast";
    document.body.appendChild(t);
  }
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 6000);
}

function showError(message) {
  const e = $("error");
  e.hidden = !message;
  e.textContent = message || "";
}

function ago(ms) {
  if (ms == null) return "never";
  if (ms < 1000) return ms + " ms";
  if (ms < 120000) return (ms / 1000).toFixed(1) + " s";
  return Math.round(ms / 60000) + " min";
}

function bytes(n) {
  if (n == null) return "";
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1048576).toFixed(1) + " MiB";
}

function colors(cluster) {
  const m = {};
  cluster.groups.forEach((g, i) => { m[g.id] = PALETTE[i % PALETTE.length]; });
  return m;
}

/** Whether a maintenance window covers the group (or the instance, when given) now. */
function resting(cluster, group, address) {
  const now = Date.now();
  return (cluster.maintenance || []).some((m) => m.untilMillis > now
    && (m.target === group.id || (address != null && m.target === address)));
}

function groupState(group, views) {
  if (group.failover) return "failover";
  const master = views[group.master.address];
  if (master && master.up === false) return "down";
  return "ok";
}

function renderSummary(cluster, registry, ownedBy) {
  $("registry").textContent = registry
    ? `peer ${registry.peerId} (${String(registry.role || "").toLowerCase()}) · leader ${registry.leaderId || "none"} · term ${registry.term} · applied ${registry.appliedIndex}`
    : "registry unreachable";
  const p = cluster.policy || {};
  $("summary").innerHTML = `<span>version <b id="version">${esc(cluster.version)}</b></span>`
    + `<span>groups <b>${cluster.groups.length}</b></span>`
    + `<span>proxies <b>${cluster.proxies.length}</b></span>`
    + `<span>migrations <b>${(cluster.migrations || []).length}</b></span>`
    + `<span>autoFailover <b id="auto-failover">${esc(p.autoFailover)}</b></span>`
    + `<span>downAfter <b>${esc(p.downAfterMillis)} ms</b></span>`
    + `<span>fencing <b>${esc(p.proxyFencing)}</b></span>`;
}

function instanceRow(cluster, group, inst, role, view) {
  const v = view || {};
  const up = v.up == null ? "unknown" : String(v.up);
  const lag = role === "replica" && v.lagBytes != null ? "lag " + bytes(v.lagBytes) : "";
  const link = role === "replica" && v.linkUp === false ? "link down" : "";
  const mem = v.usedMemoryBytes != null ? bytes(v.usedMemoryBytes) + (v.maxMemoryBytes ? " of " + bytes(v.maxMemoryBytes) : "") : "";
  const clients = v.connectedClients != null ? v.connectedClients + " clients" : "";
  const probe = v.lastProbeAgoMillis == null ? "not probed" : (v.up ? "probed " + ago(v.lastProbeAgoMillis) + " ago"
    : "silent " + ago(v.silentMillis) + (v.error ? ": " + v.error : ""));
  const button = role === "replica" && !inst.banned && !group.failover
    ? `<button data-action="switchover" data-group="${esc(group.id)}" data-target="${esc(inst.address)}" title="planned switchover to this replica">promote</button>`
    : "";
  return `<tr data-instance="${esc(inst.address)}" data-up="${esc(up)}" data-role="${role}">`
    + `<td><span class="dot" data-up="${esc(up)}"></span></td>`
    + `<td><span class="role">${role}</span></td>`
    + `<td>${esc(inst.address)}${inst.stale ? ' <span class="banned" title="a former master: it rejoins as a replica, then is re-admitted">rejoining</span>'
      : inst.banned ? ' <span class="banned">banned</span>' : ""}${resting(cluster, group, inst.address) ? ' <span class="maint">maintenance</span>' : ""}</td>`
    + `<td class="muted">${esc([lag, link].filter(Boolean).join(", "))}</td>`
    + `<td class="muted usage">${esc([mem, clients].filter(Boolean).join(" · "))}</td>`
    + `<td class="muted probe" title="${esc(probe)}">${esc(probe)}</td><td>${button}</td></tr>`;
}

function renderGroups(cluster, views, palette, ownedBy) {
  const html = cluster.groups.map((g) => {
    const s = groupState(g, views);
    const label = s === "failover" ? "failover: " + String(g.failover.state).toLowerCase() : s === "down" ? "master down" : "ok";
    const rows = [instanceRow(cluster, g, g.master, "master", views[g.master.address])]
      .concat(g.replicas.map((r) => instanceRow(cluster, g, r, "replica", views[r.address]))).join("");
    return `<div class="group" data-group="${esc(g.id)}" data-state="${s}" data-master="${esc(g.master.address)}">`
      + `<h3><span class="swatch" style="background:${palette[g.id]}"></span>${esc(g.id)}`
      + `<span class="state">${esc(label)}</span>${resting(cluster, g, null) ? '<span class="maint">maintenance</span>' : ""}`
      + `<span class="muted">${ownedBy[g.id] || 0} slots · epoch ${esc(g.epoch)}</span></h3>`
      + `<table>${rows}</table></div>`;
  }).join("");
  $("groups").innerHTML = html;
}

function renderSlots(cluster, palette) {
  const container = $("slots");
  if (container.children.length !== 1024) {
    container.innerHTML = Array.from({ length: 1024 }, (_, i) => `<div class="slot" data-slot="${i}"></div>`).join("");
  }
  const owner = new Array(1024).fill(null);
  (cluster.slots || []).forEach((r) => { for (let s = r.from; s <= r.to; s++) owner[s] = r.group; });
  const migrating = new Array(1024).fill(null);
  (cluster.migrations || []).forEach((m) => { for (let s = m.from; s <= m.to; s++) migrating[s] = m; });
  for (let s = 0; s < 1024; s++) {
    const el = container.children[s];
    el.style.background = owner[s] ? palette[owner[s]] : "#ccc";
    el.dataset.group = owner[s] || "";
    el.dataset.migrating = migrating[s] ? "true" : "false";
    el.title = `slot ${s}: ${owner[s] || "unassigned"}` + (migrating[s] ? ` → ${migrating[s].target} (migrating, ${migrating[s].state})` : "");
  }
  $("slot-legend").innerHTML = cluster.groups.map((g) => `<span><i style="background:${palette[g.id]}"></i>${esc(g.id)}</span>`).join("")
    + ((cluster.migrations || []).length ? `<span><i style="background:repeating-linear-gradient(45deg,#555 0 2px,#fff 2px 4px)"></i>migrating</span>` : "");
}

function renderProxies(proxies) {
  $("proxies").querySelector("tbody").innerHTML = proxies.map((v) => {
    const p = v.proxy;
    return `<tr data-proxy="${esc(p.id)}"><td>${esc(p.id)}</td><td>${esc(p.listen)}</td>`
      + `<td>v${esc(p.servedVersion)}${v.versionsBehind ? ` <span class="muted">(${v.versionsBehind} behind)</span>` : ""}</td>`
      + `<td class="standing" data-standing="${esc(v.standing)}">${esc(v.standing)}</td>`
      + `<td>${v.leaseRemainingMillis ? esc(ago(v.leaseRemainingMillis)) + " left" : "over"}</td><td>${esc(v.fencing)}</td></tr>`;
  }).join("") || `<tr><td colspan="6" class="muted">no proxies</td></tr>`;
}

function progressOf(view) {
  if (!view) return { share: null, text: "" };
  if (view.job.state === "SUCCEEDED") return { share: 1, text: "" };
  const p = view.progress || {};
  const total = Math.max(1, p.totalSteps || 1);
  const index = p.stepIndex || 0;
  let share = Math.max(0, index - 1) / total;
  let text = p.step ? `${index}/${total} ${p.step}` : "";
  (view.activities || []).forEach((a) => {
    const h = a.heartbeat || {};
    if (h.keysCopied >= 0 && h.keysEstimate > 0) {
      share = (Math.max(0, index - 1) + Math.min(1, h.keysCopied / h.keysEstimate)) / total;
      text += ` · keys ${h.keysCopied}/${h.keysEstimate}` + (h.keysPerSecond ? ` · ${h.keysPerSecond}/s` : "");
    }
  });
  if (p.paused) text += " · pause requested";
  return { share, text };
}

function temporalLink(workflowId) {
  if (!state.settings.temporalUi || !workflowId) return "";
  const url = `${state.settings.temporalUi.replace(/\/$/, "")}/namespaces/${encodeURIComponent(state.settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return `<a href="${esc(url)}" target="_blank" rel="noopener">Temporal</a>`;
}

function renderJobs(jobs, views) {
  const recent = jobs.slice().sort((a, b) => b.createdMillis - a.createdMillis).slice(0, 12);
  $("jobs").querySelector("tbody").innerHTML = recent.map((j) => {
    const live = j.state === "RUNNING" || j.state === "PAUSED";
    const { share, text } = live || j.state === "SUCCEEDED" ? progressOf(views[j.id] || (j.state === "SUCCEEDED" ? { job: j } : null)) : { share: null, text: "" };
    const bar = share == null ? "" : `<span class="bar"><div style="width:${Math.round(share * 100)}%"></div></span> ${Math.round(share * 100)}%`;
    const buttons = live ? (j.state === "RUNNING" ? `<button data-action="pause" data-job="${esc(j.id)}">pause</button>`
      : `<button data-action="resume" data-job="${esc(j.id)}">resume</button>`)
      + ` <button data-action="cancel" data-job="${esc(j.id)}">cancel</button>` : "";
    return `<tr data-job="${esc(j.id)}" data-state="${esc(j.state)}"><td title="${esc(j.message)}">${esc(j.id)}</td><td>${esc(j.type)}</td>`
      + `<td class="jobstate" data-state="${esc(j.state)}">${esc(j.state)}</td>`
      + `<td>${bar} <span class="muted">${esc(text || (live ? "" : j.message || ""))}</span></td>`
      + `<td>${buttons} ${temporalLink(j.workflowId)}</td></tr>`;
  }).join("") || `<tr><td colspan="5" class="muted">no jobs</td></tr>`;
}

// One refresh and one event poll at a time (a slow answer must not pile calls up), and none while the
// token is refused: a wrong token would otherwise be refused every second until the tab is closed.
async function refresh() {
  const name = state.cluster;
  if (!name || state.refreshing || state.refused) return;
  state.refreshing = true;
  try {
    const [view, instances, proxies, jobs, registry] = await Promise.all([
      api(`/v1/clusters/${encodeURIComponent(name)}`),
      api(`/v1/clusters/${encodeURIComponent(name)}/instances`),
      api(`/v1/clusters/${encodeURIComponent(name)}/proxies`),
      api(`/v1/clusters/${encodeURIComponent(name)}/jobs`),
      api(`/v1/registry`).catch(() => null)]);
    if (name !== state.cluster) return;
    const cluster = view.cluster;
    const views = {};
    instances.forEach((i) => { views[i.address] = i; });
    const live = jobs.filter((j) => j.state === "RUNNING" || j.state === "PAUSED");
    const jobViews = {};
    await Promise.all(live.map((j) => api(`/v1/jobs/${encodeURIComponent(j.id)}`).then((v) => { jobViews[j.id] = v; })
      .catch(() => null)));
    const palette = colors(cluster);
    renderSummary(cluster, registry, view.slotsPerGroup || {});
    renderGroups(cluster, views, palette, view.slotsPerGroup || {});
    renderSlots(cluster, palette);
    renderProxies(proxies);
    renderJobs(jobs, jobViews);
    document.body.dataset.version = cluster.version;
    document.body.dataset.loaded = "true";
    showError(null);
  } catch (e) {
    if (e.status === 401 || e.status === 403) state.refused = true;
    showError(`cannot read cluster ${name}: ${e.message}` + (state.refused ? " (paused until the token changes)" : ""));
  } finally {
    state.refreshing = false;
  }
}

function eventRow(e) {
  const t = new Date(e.atMillis).toISOString().replace("T", " ").replace("Z", "");
  return `<li data-seq="${esc(e.seq)}" data-type="${esc(e.type)}"><span class="t">${esc(t)}</span>`
    + `<span class="ty">${esc(e.type)}</span><span class="s">${esc(e.subject)}</span> <span class="m muted">${esc(e.message)}</span></li>`;
}

async function pollEvents() {
  const name = state.cluster;
  if (!name || state.polling || state.refused) return;
  state.polling = true;
  try {
    const limit = state.afterSeq === 0 ? 100 : 1000;
    const events = await api(`/v1/clusters/${encodeURIComponent(name)}/events?afterSeq=${state.afterSeq}&limit=${limit}`);
    if (name !== state.cluster) return;
    if (events.length) {
      state.afterSeq = events[events.length - 1].seq;
      const list = $("events");
      list.insertAdjacentHTML("afterbegin", events.slice().reverse().map(eventRow).join(""));
      while (list.children.length > MAX_EVENTS) list.removeChild(list.lastChild);
    }
    $("events-state").textContent = "live";
  } catch (e) {
    if (e.status === 401 || e.status === 403) state.refused = true;
    $("events-state").textContent = "paused: " + e.message;
  } finally {
    state.polling = false;
  }
}

async function act(button) {
  const name = state.cluster;
  const action = button.dataset.action;
  if (!$("token").value.trim()) {
    toast("enter a token first: buttons change the cluster and need an operator's token");
    return;
  }
  try {
    if (action === "switchover") {
      const target = button.dataset.target;
      if (!confirm(`Switch group ${button.dataset.group} over to ${target}?`)) return;
      button.disabled = true;
      await api(`/v1/clusters/${encodeURIComponent(name)}/groups/${encodeURIComponent(button.dataset.group)}/switchover`,
        { method: "POST", body: { target } });
      toast(`switched ${button.dataset.group} over to ${target}`);
    } else {
      if (action === "cancel" && !confirm(`Cancel job ${button.dataset.job}?`)) return;
      button.disabled = true;
      await api(`/v1/jobs/${encodeURIComponent(button.dataset.job)}/${action}`, { method: "POST", body: {} });
      toast(`${action}: ${button.dataset.job}`);
    }
  } catch (e) {
    toast(`${action} refused: ${e.message}`);
  } finally {
    button.disabled = false;
    refresh();
  }
}

function select(name) {
  state.cluster = name;
  state.afterSeq = 0;
  $("events").innerHTML = "";
  $("slots").innerHTML = "";
  if (location.hash !== "#" + name) history.replaceState(null, "", "#" + encodeURIComponent(name));
  refresh();
  pollEvents();
}

async function start() {
  const token = $("token");
  token.value = localStorage.getItem("cfgserver.token") || "";
  token.addEventListener("change", () => {
    localStorage.setItem("cfgserver.token", token.value.trim());
    state.refused = false;
    if (!state.cluster) location.reload(); // the first reads were refused without it
  });
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-action]");
    if (b) act(b);
  });
  try {
    state.settings = await api("/v1/console");
  } catch (e) {
    // older peers: no settings, no Temporal links
  }
  const ui = $("temporal-ui");
  if (state.settings.temporalUi) ui.href = state.settings.temporalUi; else ui.hidden = true;
  let clusters = [];
  try {
    clusters = await api("/v1/clusters");
  } catch (e) {
    showError("cannot list clusters: " + e.message);
    document.body.dataset.loaded = "false";
    return;
  }
  const sel = $("cluster");
  sel.innerHTML = clusters.map((c) => `<option value="${esc(c.name)}">${esc(c.name)}</option>`).join("");
  sel.addEventListener("change", () => select(sel.value));
  if (!clusters.length) {
    showError("no clusters yet: create one with `cfgserver cluster create -f FILE` or POST /v1/clusters");
    document.body.dataset.loaded = "true";
    return;
  }
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = clusters.some((c) => c.name === wanted) ? wanted : clusters[0].name;
  sel.value = first;
  select(first);
  state.timer = setInterval(refresh, REFRESH_MS);
  state.eventsTimer = setInterval(pollEvents, REFRESH_MS);
}

start();
