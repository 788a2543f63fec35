/// The HTTP API's OpenAPI 3.1 description, served at `GET /openapi.yaml`. The repository's `openapi.yaml` is the same
/// text (a test keeps them equal, and schemathesis checks the server against it in `make test`).
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: otpkit verification server
  version: "1"
  description: |
    Verifies HOTP and TOTP codes of tokens (by token id, or by the user who owns them), resynchronises them, and
    administers tokens and their users. Every /v1 request carries `Authorization: Bearer KEY`; keys are created with
    `otpkit verifier keys create --role verify|admin`. A decision is answered only after it was committed.
    Refusals look alike: a verify-only client learns accepted or not, never why.
    A path below asked with a method it does not list is answered 405 `method_not_allowed` with an `Allow` header
    naming the methods it takes (components/responses/MethodNotAllowed); a path not listed here is 404.
servers:
  - url: http://127.0.0.1:8400
security:
  - apiKey: []
paths:
  /healthz:
    get:
      summary: Whether this node should take traffic
      operationId: health
      security: []
      responses:
        "200":
          description: Ready
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Health"}
        "503":
          description: >-
            Not ready (the database does not answer or, for SQLite, cannot be written, being deleted, replaced or
            read-only; a decision failed on the store in the last 30 s; or the master key does not open a stored secret)
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Health"}
  /metrics:
    get:
      summary: Prometheus metrics (decisions only as accepted or refused)
      operationId: metrics
      security: []
      responses:
        "200":
          description: Prometheus text exposition format
          content:
            text/plain:
              schema: {type: string}
  /openapi.yaml:
    get:
      summary: This description
      operationId: openAPI
      security: []
      responses:
        "200":
          description: OpenAPI 3.1, YAML
          content:
            application/yaml: {}
  /v1/verify:
    post:
      summary: Check a code, of one token or of any token a user owns (then the password is PIN + code)
      operationId: verify
      description: >-
        Needs a verify or admin key. Exactly one of `token` and `user`. A token whose user has a PIN is checked as
        that user's login is, by id too: `code` is the PIN followed by the code, and the code alone is refused.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/VerifyRequest"}
      responses:
        "200":
          description: The decision
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Accepted"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/resync:
    post:
      summary: Resynchronise a drifted token from two consecutive codes
      operationId: resync
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ResyncRequest"}
      responses:
        "200":
          description: Whether the token was resynchronised
          content:
            application/json:
              schema:
                type: object
                required: [resynchronized]
                properties:
                  resynchronized: {type: boolean}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/tokens:
    get:
      summary: Every token's state (never a secret)
      operationId: listTokens
      responses:
        "200":
          description: The tokens, by id
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Token"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
    post:
      summary: Import a seed file (seed JSON, PSKC plain or encrypted, Yubico CSV) in one transaction
      operationId: importTokens
      parameters:
        - {name: X-PSKC-Key, in: header, required: false, description: "Pre-shared key of an encrypted PSKC file, hex", schema: {type: string}}
        - {name: X-PSKC-Password, in: header, required: false, description: "Password of a PBKDF2-encrypted PSKC file", schema: {type: string}}
        - {name: X-PSKC-Allow-Missing-MAC, in: header, required: false, description: "Accept encrypted values without a MAC", schema: {type: string, enum: ["true", "false"]}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: array, items: {$ref: "#/components/schemas/SeedRecord"}}
          application/xml:
            schema: {type: string, description: "PSKC (RFC 6030)"}
          text/csv:
            schema: {type: string, description: "Yubico CSV"}
      responses:
        "201":
          description: Imported
          content:
            application/json:
              schema:
                type: object
                required: [imported, skipped]
                properties:
                  imported: {type: array, items: {type: string}}
                  skipped: {type: array, items: {type: string}}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "409": {$ref: "#/components/responses/Conflict"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/tokens/{id}:
    parameters:
      - $ref: "#/components/parameters/TokenID"
    get:
      summary: One token's state
      operationId: getToken
      responses:
        "200":
          description: The token
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Token"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
    delete:
      summary: Delete a token and its sealed secret
      operationId: deleteToken
      responses:
        "200":
          description: Deleted
          content:
            application/json:
              schema: {type: object, required: [deleted], properties: {deleted: {type: boolean}}}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/tokens/{id}/counter:
    parameters:
      - $ref: "#/components/parameters/TokenID"
    put:
      summary: Set the counter read off the token (forward only unless force)
      operationId: setCounter
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/CounterRequest"}
      responses:
        "200":
          description: Set
          content:
            application/json:
              schema: {type: object, required: [counter], properties: {counter: {type: integer, minimum: 0}}}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/tokens/{id}/unlock:
    parameters:
      - $ref: "#/components/parameters/TokenID"
    post:
      summary: Unlock a token locked by failures
      operationId: unlockToken
      responses:
        "200":
          description: Unlocked
          content:
            application/json:
              schema: {type: object, required: [unlocked], properties: {unlocked: {type: boolean}}}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/tokens/{id}/user:
    parameters:
      - $ref: "#/components/parameters/TokenID"
    put:
      summary: Give the token to a user (moves it from its previous user)
      operationId: assignToken
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [user]
              properties:
                user: {$ref: "#/components/schemas/UserName"}
      responses:
        "200":
          description: The token, with its user
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Token"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
    delete:
      summary: Take the token from its user
      operationId: unassignToken
      responses:
        "200":
          description: The token, without a user
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Token"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/users/{name}/tokens:
    parameters:
      - name: name
        in: path
        required: true
        description: The user's name, percent-encoded UTF-8
        schema: {$ref: "#/components/schemas/UserName"}
        example: alice
    get:
      summary: The tokens a user owns ([] for an unknown user)
      operationId: userTokens
      responses:
        "200":
          description: The user's tokens
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Token"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
components:
  securitySchemes:
    apiKey:
      type: http
      scheme: bearer
  parameters:
    TokenID:
      name: id
      in: path
      required: true
      description: The token's id (the serial, with -SLOT for tokens with slots), percent-encoded UTF-8
      schema: {type: string, minLength: 1}
      example: t0
  schemas:
    Health:
      type: object
      required: [status]
      properties:
        status: {type: string, enum: [ready, not_ready]}
        database: {type: string, enum: [reachable, unreachable]}
    Accepted:
      type: object
      required: [accepted]
      properties:
        accepted: {type: boolean}
    VerifyRequest:
      description: >-
        Exactly one of token and user, and the code (for a user with a PIN, and for a token of a user with a PIN,
        the PIN followed by the code)
      oneOf:
        - type: object
          required: [token, code]
          properties:
            token: {type: string}
            code: {type: string, description: "The code; the PIN followed by the code when the token's user has a PIN"}
          not: {required: [user]}
        - type: object
          required: [user, code]
          properties:
            user: {type: string, description: "Any text: a name that cannot be a user's is refused as an unknown user is"}
            code: {type: string}
          not: {required: [token]}
    UserName:
      type: string
      description: Compared after Unicode NFC normalisation; 1 to 253 bytes of UTF-8, no control characters
      minLength: 1
      maxLength: 253
      pattern: "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"
    ResyncRequest:
      type: object
      required: [token, code1, code2]
      properties:
        token: {type: string}
        code1: {type: string}
        code2: {type: string}
    CounterRequest:
      type: object
      required: [counter]
      properties:
        counter: {type: integer, minimum: 0, maximum: 18446744073709551615}
        force: {type: boolean}
    SeedRecord:
      type: object
      required: [serial]
      properties:
        serial: {type: string}
        slot: {type: integer}
        family: {type: string}
        issuer: {type: string}
        algorithm: {type: string, enum: [SHA1, SHA256, SHA512]}
        digits: {type: integer}
        counter: {type: integer, minimum: 0}
        period: {type: integer}
        timeDrift: {type: integer}
        user: {type: string}
        secretHex: {type: string, pattern: "^([0-9A-Fa-f]{2})+$"}
        secretBase32: {type: string, pattern: "^[A-Za-z2-7]+=*$"}
    Token:
      type: object
      required: [id, kind, algorithm, digits, counter, window, syncWindow, failures, locked, resyncRequired, masterKeyID]
      properties:
        id: {type: string}
        kind: {type: string, description: "HOTP, or TOTP/30s and the like"}
        algorithm: {type: string}
        digits: {type: integer}
        counter: {type: integer, minimum: 0}
        window: {type: integer}
        syncWindow: {type: integer}
        failures: {type: integer}
        locked: {type: boolean}
        resyncRequired: {type: boolean, description: "HOTP, after a restore: no code is accepted on its own until two consecutive codes resynchronise the token"}
        issuer: {type: string}
        masterKeyID: {type: string}
        timeDrift: {type: integer}
        user: {type: string}
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message]
          properties:
            code:
              type: string
              enum: [unauthorized, forbidden, rate_limited, bad_request, body_too_large, unknown_token, duplicate_token,
                     token_has_other_seed, token_locked, counter_would_go_back, invalid_token, invalid_user, user_owns_no_token,
                     duplicate_radius_client, unknown_radius_client, bad_csv, bad_pskc, forbidden_xml, wrong_password,
                     bad_mac, missing_mac, needs_key, too_large, unsupported, bad_json, unrecognised_format, contention, unavailable,
                     database_unavailable, master_key_rotated, imports_busy, method_not_allowed]
            message: {type: string}
  responses:
    BadRequest:
      description: Bad input (a body that is not the route's JSON, a bad seed file, a bad id or name)
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Unauthorized:
      description: No valid API key
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Forbidden:
      description: The key's role may not do this (an admin key is needed)
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    NotFound:
      description: No such token
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Conflict:
      description: >-
        The token exists already (duplicate_token: with the same seed, so sending it again changes nothing;
        token_has_other_seed: with another one, which is kept), is locked, or the counter would go back
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    TooLarge:
      description: The body exceeds the route's limit
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    RateLimited:
      description: Too many requests from this key
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Unavailable:
      description: Nothing was decided (the database is unreachable, the master key was rotated, too many imports); try again
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    MethodNotAllowed:
      description: The path exists but does not take this method
      headers:
        Allow:
          description: The methods the path takes, such as `DELETE, GET`
          schema: {type: string}
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}

"""#
}
