// Renders a batch of mapping-template cases with Apache Velocity 1.7, as API Gateway does, and
// writes what each one produced. One JVM for the whole batch: python drives it (tests/vtl_oracle).
//
// Usage: java VtlOracle <cases.jsonl> <results.json>
//   cases:   one per line: {"id", "template", "body", "params": {"path", "querystring", "header"},
//              "context": {...}, "stageVariables": {...}, "vars": "<JSON object>"?}
//   results: [{"id", "output"} | {"id", "error": "body-not-json" | "template"}, each with
//              "override": {"status": "...", "header.Name": "..."}]
// The harness decisions (JSON parser, JSONPath options, what $util's methods are) are explained
// in docs/vtl-fidelity.md.

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JsonSmartJsonProvider;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.minidev.json.JSONStyle;
import net.minidev.json.JSONValue;
import net.minidev.json.parser.JSONParser;
import org.apache.commons.lang.StringEscapeUtils;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.exception.MethodInvocationException;

public final class VtlOracle {

  /** Thrown by $input.path/$input.json when the payload is not JSON (API Gateway: 400). */
  public static final class BodyNotJson extends RuntimeException {
    BodyNotJson(Throwable cause) {
      super(cause);
    }
  }

  private static final Configuration JSONPATH =
      Configuration.builder()
          .jsonProvider(new JsonSmartJsonProvider())
          .options(Option.SUPPRESS_EXCEPTIONS)
          .build();

  /** $input: the payload and the method request's parameters. */
  public static final class Input {
    private final String body;
    private final Map<String, Map<String, Object>> params;
    private Object document;
    private boolean parsed;

    Input(String body, Map<String, Map<String, Object>> params) {
      this.body = body;
      this.params = params;
    }

    public String getBody() {
      return body.isEmpty() ? "{}" : body;
    }

    private Object document() {
      if (!parsed) {
        String text = body.trim().isEmpty() ? "{}" : body;
        document = parseStrict(text);
        parsed = true;
      }
      return document;
    }

    public Object path(String expression) {
      Object root = document();
      if (root == null) {
        return null; // the payload is JSON null: every path finds nothing
      }
      return JsonPath.using(JSONPATH).parse(root).read(expression);
    }

    public String json(String expression) {
      return JSONValue.toJSONString(path(expression), JSONStyle.LT_COMPRESS);
    }

    public Map<String, Map<String, Object>> params() {
      return params;
    }

    public Object params(String name) {
      for (String kind : new String[] {"path", "querystring"}) {
        Map<String, Object> values = params.get(kind);
        if (values.containsKey(name)) {
          return values.get(name);
        }
      }
      for (Map.Entry<String, Object> header : params.get("header").entrySet()) {
        if (header.getKey().equalsIgnoreCase(name)) {
          return header.getValue();
        }
      }
      return "";
    }
  }

  /** $util. */
  public static final class Util {
    public String escapeJavaScript(String s) {
      return StringEscapeUtils.escapeJavaScript(s);
    }

    public Object parseJson(String s) {
      try {
        return parseStrict(s);
      } catch (BodyNotJson e) {
        throw new IllegalArgumentException("not JSON", e); // a template error, not the payload's
      }
    }

    public String urlEncode(String s) throws Exception {
      return URLEncoder.encode(s, "UTF-8");
    }

    public String urlDecode(String s) throws Exception {
      return URLDecoder.decode(s, "UTF-8");
    }

    public String base64Encode(String s) {
      return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    public String base64Decode(String s) {
      return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }
  }

  /**
   * Parse JSON the way API Gateway accepts it: strict RFC 8259 (json-smart alone would also take
   * `1.`, `\\x41`, single quotes...), then json-smart, as JsonPath's default provider, for the values.
   */
  static Object parseStrict(String text) {
    try {
      int end = new StrictJson(text).value(StrictJson.skip(text, 0));
      if (StrictJson.skip(text, end) != text.length()) {
        throw new IllegalArgumentException("trailing data at " + end);
      }
      // json-smart (Debian's, with the CVE-2023-1370 fix) refuses nesting deeper than 400.
      return JSONPATH.jsonProvider().parse(text);
    } catch (RuntimeException | StackOverflowError e) {
      throw new BodyNotJson(e);
    }
  }

  /** An RFC 8259 validator: each method returns the index after what it read, or throws. */
  static final class StrictJson {
    private final String s;

    StrictJson(String s) {
      this.s = s;
    }

    static int skip(String s, int i) {
      while (i < s.length() && " \t\n\r".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      return i;
    }

    private char at(int i) {
      if (i >= s.length()) {
        throw new IllegalArgumentException("unexpected end");
      }
      return s.charAt(i);
    }

    int value(int i) {
      char c = at(i);
      if (c == '{') {
        i = skip(s, i + 1);
        if (at(i) == '}') {
          return i + 1;
        }
        while (true) {
          i = skip(s, string(i));
          if (at(i) != ':') {
            throw new IllegalArgumentException("expected : at " + i);
          }
          i = skip(s, value(skip(s, i + 1)));
          if (at(i) == '}') {
            return i + 1;
          }
          if (at(i) != ',') {
            throw new IllegalArgumentException("expected , at " + i);
          }
          i = skip(s, i + 1);
        }
      }
      if (c == '[') {
        i = skip(s, i + 1);
        if (at(i) == ']') {
          return i + 1;
        }
        while (true) {
          i = skip(s, value(i));
          if (at(i) == ']') {
            return i + 1;
          }
          if (at(i) != ',') {
            throw new IllegalArgumentException("expected , at " + i);
          }
          i = skip(s, i + 1);
        }
      }
      if (c == '"') {
        return string(i);
      }
      for (String word : new String[] {"true", "false", "null"}) {
        if (s.startsWith(word, i)) {
          return i + word.length();
        }
      }
      return number(i);
    }

    private int string(int i) {
      if (at(i) != '"') {
        throw new IllegalArgumentException("expected string at " + i);
      }
      i++;
      while (true) {
        char c = at(i);
        if (c == '"') {
          return i + 1;
        }
        if (c < 0x20) {
          throw new IllegalArgumentException("control character in string at " + i);
        }
        if (c == '\\') {
          char e = at(i + 1);
          if (e == 'u') {
            for (int k = 2; k < 6; k++) {
              if (Character.digit(at(i + k), 16) < 0) {
                throw new IllegalArgumentException("bad \\u escape at " + i);
              }
            }
            i += 6;
            continue;
          }
          if ("\"\\/bfnrt".indexOf(e) < 0) {
            throw new IllegalArgumentException("bad escape at " + i);
          }
          i += 2;
          continue;
        }
        i++;
      }
    }

    private int number(int i) {
      int start = i;
      if (i < s.length() && s.charAt(i) == '-') {
        i++;
      }
      if (at(i) == '0') {
        i++;
      } else if (at(i) >= '1' && at(i) <= '9') {
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
          i++;
        }
      } else {
        throw new IllegalArgumentException("unexpected character at " + start);
      }
      if (i < s.length() && s.charAt(i) == '.') {
        i = digits(i + 1);
      }
      if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
        i++;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
          i++;
        }
        i = digits(i);
      }
      return i;
    }

    private int digits(int i) {
      int start = i;
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      if (i == start) {
        throw new IllegalArgumentException("digit expected at " + i);
      }
      return i;
    }
  }

  private static VelocityEngine engine() throws Exception {
    VelocityEngine engine = new VelocityEngine();
    engine.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
    engine.init();
    return engine;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object value) {
    return (Map<String, Object>) value;
  }

  public static void main(String[] args) throws Exception {
    // One case per line: json-smart's nesting guard counts across one long document.
    List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.US_ASCII);
    VelocityEngine shared = engine();
    StringBuilder out = new StringBuilder("[");
    for (String line : lines) {
      Map<String, Object> spec =
          object(
              new JSONParser(JSONParser.MODE_RFC4627)
                  .parse(line, JSONValue.defaultReader.DEFAULT_ORDERED));
      String template = (String) spec.get("template");
      Map<String, Object> context = object(spec.get("context"));
      Map<String, Object> override = new LinkedHashMap<>();
      override.put("header", new LinkedHashMap<String, Object>());
      context.put("responseOverride", override);
      Map<String, Map<String, Object>> params = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : object(spec.get("params")).entrySet()) {
        params.put(e.getKey(), object(e.getValue()));
      }
      VelocityContext vars = new VelocityContext();
      vars.put("input", new Input((String) spec.get("body"), params));
      vars.put("util", new Util());
      vars.put("context", context);
      vars.put("stageVariables", object(spec.get("stageVariables")));
      Object extra = spec.get("vars"); // plain variables for the semantics cases, as JSON text
      if (extra != null) {
        for (Map.Entry<String, Object> e : object(parseStrict((String) extra)).entrySet()) {
          vars.put(e.getKey(), e.getValue());
        }
      }
      // Macros are global to an engine: a template that defines one gets an engine of its own.
      VelocityEngine velocity = template.contains("macro") ? engine() : shared;
      Writer writer = new StringWriter();
      String output = null;
      String error = null;
      try {
        velocity.evaluate(vars, writer, "case-" + spec.get("id"), template);
        output = writer.toString();
      } catch (MethodInvocationException e) {
        error = e.getCause() instanceof BodyNotJson ? "body-not-json" : "template";
      } catch (Exception | StackOverflowError e) {
        error = "template";
      }
      if (out.length() > 1) {
        out.append(",\n");
      }
      out.append("{\"id\":").append(quote(String.valueOf(spec.get("id"))));
      if (error == null) {
        out.append(",\"output\":").append(quote(output));
      } else {
        out.append(",\"error\":").append(quote(error));
      }
      out.append(",\"override\":{");
      boolean first = true;
      for (Map.Entry<String, String> e : flatten("", override).entrySet()) {
        out.append(first ? "" : ",").append(quote(e.getKey())).append(':').append(quote(e.getValue()));
        first = false;
      }
      out.append("}}");
    }
    out.append("]\n");
    Files.write(Paths.get(args[1]), out.toString().getBytes(StandardCharsets.US_ASCII));
  }

  private static Map<String, String> flatten(String prefix, Map<String, Object> map) {
    Map<String, String> flat = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : map.entrySet()) {
      if (e.getValue() instanceof Map && prefix.isEmpty() && e.getKey().equals("header")) {
        flat.putAll(flatten("header.", object(e.getValue())));
      } else {
        flat.put(prefix + e.getKey(), String.valueOf(e.getValue()));
      }
    }
    return flat;
  }

  /** A JSON string literal in ASCII: every other UTF-16 unit as \\uXXXX (lone surrogates too). */
  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
