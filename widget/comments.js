/* Comments widget: <script src="comments.js" data-api="<stage URL>" data-slug="/blog/post"></script>
 * Lists a page's comments newest first, loads more through `next`, and posts new ones.
 * No dependencies, no build step. User text is only ever set as textContent, never as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var api = (script.getAttribute("data-api") || "").replace(/\/+$/, "");
  var slug = script.getAttribute("data-slug") || window.location.pathname;
  var PAGE = 10, RETRIES = 3;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var root = el("section", "comments-widget");
  root.setAttribute("aria-label", "Comments");
  // Right after the script tag in the page; a tag in <head> puts the widget at the end of <body>.
  function mount() {
    if (document.body.contains(script)) script.parentNode.insertBefore(root, script.nextSibling);
    else document.body.appendChild(root);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  var status = el("p", "comments-status");
  status.setAttribute("role", "status");

  function say(text, isError) {
    status.textContent = text;
    status.className = "comments-status" + (isError ? " comments-error" : "");
    if (isError) console.error("comments widget: " + text);
  }

  if (!/^https?:\/\/[^\s]+$/.test(api)) {
    root.appendChild(status);
    say("Comments are unavailable: the script tag needs data-api set to the comments API's URL.", true);
    return;
  }

  var form = el("form", "comments-form");
  var author = el("input");
  author.name = "author"; author.placeholder = "Your name"; author.maxLength = 64; author.required = true;
  var text = el("textarea");
  text.name = "comment"; text.placeholder = "Your comment"; text.maxLength = 2000; text.required = true;
  var send = el("button", "", "Post comment");
  send.type = "submit";
  form.appendChild(author); form.appendChild(text); form.appendChild(send);
  var list = el("ol", "comments-list");
  var more = el("button", "comments-more", "Load more");
  more.type = "button"; more.hidden = true;
  root.appendChild(form); root.appendChild(status); root.appendChild(list); root.appendChild(more);

  var next = null;

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // One request; resolves to {status, body} or rejects with a message for the reader.
  function call(method, path, body) {
    var options = { method: method, headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, body: data || {} };
      });
    }, function () {
      throw new Error("Could not reach the comments service at " + api +
        " (it is down, or it does not allow this site's origin).");
    });
  }

  // 409 (two comments in one millisecond) and 429 (throttled) are retried after a pause.
  function withRetries(method, path, body) {
    var attempt = 0;
    function go() {
      return call(method, path, body).then(function (answer) {
        if ((answer.status === 409 || answer.status === 429) && attempt < RETRIES) {
          attempt += 1;
          var pause = answer.status === 429 ? 1000 * attempt : 50;
          if (answer.status === 429) say("The service is busy; retrying in " + pause / 1000 + " s…");
          return wait(pause).then(go);
        }
        return answer;
      });
    }
    return go();
  }

  function problem(answer) {
    var message = answer.body && (answer.body.message || answer.body.Message);
    if (answer.status === 429) return "Too many requests right now; please try again in a minute.";
    return message ? String(message) : "The comments service answered " + answer.status + ".";
  }

  function render(comment) {
    var item = el("li", "comment");
    var head = el("p", "comment-meta");
    head.appendChild(el("strong", "comment-author", String(comment.author)));
    var when = new Date(Number(comment.createdAt));
    var time = el("time", "", " · " + when.toLocaleString());
    time.dateTime = when.toISOString();
    head.appendChild(time);
    item.appendChild(head);
    item.appendChild(el("p", "comment-text", String(comment.comment)));
    item.setAttribute("data-created-at", String(comment.createdAt));
    return item;
  }

  function load() {
    more.disabled = true;
    var query = "?slug=" + encodeURIComponent(slug) + "&limit=" + PAGE +
      (next === null ? "" : "&before=" + encodeURIComponent(next));
    return withRetries("GET", "/comments" + query).then(function (answer) {
      if (answer.status !== 200) throw new Error(problem(answer));
      answer.body.items.forEach(function (comment) { list.appendChild(render(comment)); });
      next = answer.body.next;
      more.hidden = next === null || next === undefined;
      if (!list.children.length) say("No comments yet.");
      else if (status.textContent === "No comments yet.") say("");
    }).catch(function (error) { say(error.message, true); })
      .then(function () { more.disabled = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send.disabled = true;
    say("Posting…");
    withRetries("POST", "/comments", { slug: slug, author: author.value, comment: text.value })
      .then(function (answer) {
        // 202: the stack pre-moderates; the comment appears once a moderator approves it.
        if (answer.status === 202) {
          text.value = "";
          say("Thanks! Your comment will appear once a moderator approves it.");
          return;
        }
        if (answer.status !== 201) throw new Error(problem(answer));
        list.insertBefore(render(answer.body), list.firstChild);
        text.value = "";
        say("Comment posted.");
      }).catch(function (error) { say(error.message, true); })
      .then(function () { send.disabled = false; });
  });
  more.addEventListener("click", load);
  load();
})();
