// The demo page: sends the review to /explain (same origin), then shows the verdict, the
// probability of every label, the words highlighted by weight and each sentence's score. A
// model with two labels scores the probability of positive and weighs words toward positive or
// negative; one with more labels scores its predicted label and weighs words toward or away
// from it. The model menu lists every model the service serves (GET /model); the default one
// is chosen first. No libraries, no build step.
"use strict";

const form = document.getElementById("review-form");
const review = document.getElementById("review");
const button = document.getElementById("analyse");
const errorBox = document.getElementById("error");
const result = document.getElementById("result");
const picker = document.getElementById("model");
let binary = true; // the chosen model has two labels (negative, positive)
let served = []; // GET /model's list: name, version, task, labels, default
let defaultInfo = ""; // the default model's description line

function percent(score) {
  return (100 * score).toFixed(1) + "%";
}

async function describeModel() {
  const info = document.getElementById("model-info");
  try {
    const response = await fetch("model");
    const model = await response.json();
    const test = (model.metrics && model.metrics.test) || {};
    defaultInfo = `Model ${model.name} ${model.version}` +
      (test.accuracy ? `, test accuracy ${percent(test.accuracy)}` : "") +
      (test.examples ? ` on ${test.examples.toLocaleString("en")} test reviews` : "") +
      `; labels ${model.labels.join(", ")};` +
      ` it reads ${model.max_length} tokens at a time.`;
    served = model.models || [{ name: model.name, version: model.version, labels: model.labels, default: true }];
    picker.replaceChildren(...served.map((entry) => {
      const option = document.createElement("option");
      option.value = entry.name;
      option.textContent = `${entry.name} ${entry.version}` + (entry.default ? " (default)" : "");
      return option;
    }));
    chooseModel();
  } catch (error) {
    info.textContent = "The model's description is not available yet.";
  }
}

function chooseModel() {
  const chosen = served.find((entry) => entry.name === picker.value) || served[0];
  if (!chosen) return;
  binary = chosen.labels.length === 2;
  document.getElementById("model-info").textContent = chosen.default
    ? defaultInfo
    : `Model ${chosen.name} ${chosen.version}; labels ${chosen.labels.join(", ")}.`;
}

picker.addEventListener("change", () => {
  chooseModel();
  result.hidden = true;
});

function headers() {
  const values = { "content-type": "application/json" };
  const key = document.getElementById("api-key").value.trim();
  if (key) values["x-api-key"] = key;
  return values;
}

async function post(path, body) {
  const response = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(body) });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = Array.isArray(payload.detail)
      ? payload.detail.map((problem) => problem.msg).join("; ")
      : payload.detail || response.statusText;
    const error = new Error(`${response.status}: ${detail}`);
    error.status = response.status;
    throw error;
  }
  return payload;
}

function highlight(text, tokens) {
  const box = document.getElementById("highlighted");
  box.replaceChildren();
  const strongest = Math.max(1e-6, ...tokens.map((token) => Math.abs(token.weight)));
  let at = 0;
  for (const token of tokens) {
    if (token.start > at) box.append(text.slice(at, token.start));
    const strength = Math.abs(token.weight) / strongest;
    if (strength < 0.05) {
      box.append(text.slice(token.start, token.end));
    } else {
      const mark = document.createElement("mark");
      mark.className = token.weight > 0 ? "pos" : "neg";
      mark.style.setProperty("--strength", (0.15 + 0.7 * strength).toFixed(2));
      mark.dataset.weight = token.weight.toFixed(4);
      mark.title = `${token.weight > 0 ? "+" : ""}${token.weight.toFixed(3)}`;
      mark.tabIndex = 0;
      mark.setAttribute("aria-label", `${token.text}, weight ${mark.title}`);
      mark.textContent = text.slice(token.start, token.end);
      box.append(mark);
    }
    at = token.end;
  }
  if (at < text.length) box.append(text.slice(at));
}

function showSentences(sentences) {
  const list = document.getElementById("sentences");
  list.replaceChildren();
  for (const sentence of sentences || []) {
    const item = document.createElement("li");
    item.className = sentence.label;
    const tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = binary
      ? `${sentence.label} (${percent(sentence.score)} positive)`
      : `${sentence.label} (${percent(sentence.score)})`;
    item.append(tag, " ", sentence.text);
    list.append(item);
  }
}

function show(text, answer, explained) {
  const label = document.getElementById("label");
  label.textContent = answer.label;
  label.className = answer.label;
  document.getElementById("score").textContent = percent(answer.score);
  document.getElementById("score-bar").style.width = percent(answer.score);
  document.getElementById("score-of").textContent = binary ? "positive" : answer.label;
  document.getElementById("legend-pos").textContent = binary ? "toward positive" : `toward ${answer.label}`;
  document.getElementById("legend-neg").textContent = binary ? "toward negative" : `away from ${answer.label}`;
  const scores = document.getElementById("scores");
  scores.replaceChildren(...Object.entries(answer.scores || {}).map(([name, probability]) => {
    const item = document.createElement("li");
    item.textContent = `${name} ${percent(probability)}`;
    return item;
  }));
  const reading = answer.chunks
    ? `Read whole in ${answer.chunks} window${answer.chunks > 1 ? "s" : ""}.`
    : answer.truncated ? "Only the beginning was read (the review is longer than the model's window)." : "";
  document.getElementById("reading").textContent = explained
    ? reading
    : `${reading} Too long to explain word by word here; showing the verdict and sentences only.`;
  document.getElementById("why-heading").hidden = !explained;
  document.querySelector(".legend").hidden = !explained;
  document.getElementById("highlighted").hidden = !explained;
  if (explained) highlight(text, answer.tokens);
  showSentences(answer.sentences);
  result.hidden = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = review.value;
  const body = {
    text,
    sentences: true,
    long_text: document.getElementById("chunk").checked ? "chunk" : "truncate",
  };
  if (picker.value) body.model = picker.value;
  errorBox.hidden = true;
  button.disabled = true;
  button.textContent = "Analysing…";
  try {
    try {
      const answer = await post("explain", body);
      show(text, answer.explanations[0], true);
    } catch (error) {
      if (error.status !== 422 || !String(error.message).includes("tokens to explain")) throw error;
      const answer = await post("predict", body);
      show(text, answer.predictions[0], false);
    }
  } catch (error) {
    errorBox.textContent = `Could not analyse the review (${error.message}).`;
    errorBox.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = "Analyse";
  }
});

review.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
});

describeModel();
