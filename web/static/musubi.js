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

  // Hovering a result card highlights its prefecture on the map.
  const pins = new Map();
  document.querySelectorAll(".map .pin").forEach((pin) => {
    const title = pin.querySelector("title");
    if (title) pins.set(title.textContent.split(":")[0], pin);
  });
  document.querySelectorAll(".card.result").forEach((card) => {
    const pref = card.querySelector(".pref");
    if (!pref) return;
    const name = pref.textContent.split("·")[0].trim();
    const pin = pins.get(name);
    if (!pin) return;
    card.addEventListener("mouseenter", () => pin.classList.add("hot"));
    card.addEventListener("mouseleave", () => pin.classList.remove("hot"));
  });

  // Print buttons (the printable brief).
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
});
