// Musubi: small progressive enhancements. Every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "/" focuses the search box, as on most search sites.
  const box = document.querySelector(".searchbox textarea, .searchbox input");
  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (event.key === "/" && box && !typing) {
      event.preventDefault();
      box.focus();
    }
  });

  // Enter submits a one-line search textarea; Shift+Enter still makes a new line.
  document.querySelectorAll(".searchbox textarea").forEach((area) => {
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        area.form.requestSubmit();
      }
    });
  });

  // Changing a filter re-runs a search that is already on screen.
  document.querySelectorAll("form.search-form").forEach((form) => {
    if (!document.querySelector(".results")) return;
    form.querySelectorAll(".filters select, .filters input[type=checkbox]").forEach((input) => {
      input.addEventListener("change", () => form.requestSubmit());
    });
  });

  // Forms that change state ask first when they say so (data-confirm="…").
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Hovering a result card highlights its prefecture's tile on the map.
  const tiles = new Map();
  document.querySelectorAll(".map .tile").forEach((tile) => tiles.set(tile.dataset.pref, tile));
  document.querySelectorAll(".card.result").forEach((card) => {
    const pref = card.querySelector(".pref");
    if (!pref) return;
    const tile = tiles.get(pref.textContent.split("·")[0].trim());
    if (!tile) return;
    card.addEventListener("mouseenter", () => tile.classList.add("hot"));
    card.addEventListener("mouseleave", () => tile.classList.remove("hot"));
  });

  // The challenge's length as it is typed. Nothing is cut: over the limit the counter says so
  // and the form is held back until the text is shorter (the server refuses it too).
  document.querySelectorAll("textarea[data-maxlength]").forEach((area) => {
    const counter = document.getElementById(area.getAttribute("aria-describedby"));
    if (!counter) return;
    const max = Number(area.dataset.maxlength);
    const fill = (template, n) =>
      template.replaceAll("{n}", n.toLocaleString()).replaceAll("{max}", max.toLocaleString());
    const update = () => {
      const n = [...area.value].length;
      const over = n > max;
      counter.textContent = fill(over ? counter.dataset.over : counter.dataset.template, n);
      counter.classList.toggle("over", over);
      area.setCustomValidity(over ? counter.textContent : "");
    };
    area.addEventListener("input", update);
    update();
  });

  // Panels that matter less than the results start closed on a phone.
  if (window.matchMedia("(max-width: 600px)").matches) {
    document.querySelectorAll("details[data-close-on-phone]").forEach((d) => d.removeAttribute("open"));
  }

  // Organisation names suggested as they are typed (an id is never needed).
  document.querySelectorAll("input[data-suggest]").forEach((input) => {
    const list = document.getElementById(input.getAttribute("list"));
    let timer;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const q = input.value.trim();
      if (!q || !list) return;
      timer = setTimeout(async () => {
        const url = new URL(input.dataset.suggest, location.href);
        url.searchParams.set("q", q);
        url.searchParams.set("limit", "8");
        const response = await fetch(url);
        if (!response.ok) return;
        const body = await response.json();
        list.replaceChildren(...(body.orgs || []).map((org) => {
          const option = document.createElement("option");
          option.value = org.name;
          option.label = org.id;
          return option;
        }));
      }, 200);
    });
  });

  // Print buttons (the printable brief).
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
});
