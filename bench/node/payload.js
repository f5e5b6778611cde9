// The message the bare servers broadcast: shaped and sized like reflect's phone state
// (`state.phone_public`) during a card. bench/bare_server.py builds the same object.
"use strict";
const TEXTS = [
  "Picture this parent's day, from the moment they wake up until now. What might it be like to be them right now? What are they carrying?",
  "Now picture the baby's day. What might the baby be noticing, wanting, or missing? What would the baby say about today, if the baby could?",
];

function stateFor(version, position) {
  return {
    version,
    phase: "reflect",
    title: "Room 1",
    locked: false,
    allow_names: true,
    server_now: new Date().toISOString(),
    timer_ends_at: null,
    card: {
      id: 1000 + position,
      position,
      total: 8,
      text: TEXTS[position % 2],
      followup: "What helped you picture it? Where did the picture get blurry?",
      lang: "en",
      fallback: false,
      perspective: position % 2 ? "baby" : "parent",
      perspective_label: position % 2 ? "The baby" : "The parent",
    },
    checkin: null,
    revealed: [],
    takeaways: [],
  };
}

module.exports = { stateFor };
