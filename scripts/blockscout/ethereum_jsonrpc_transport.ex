# Stands in for Blockscout's `EthereumJSONRPC` module (apps/ethereum_jsonrpc/lib/ethereum_jsonrpc.ex)
# and its HTTP transport (lib/ethereum_jsonrpc/http.ex), written for scripts/blockscout-check.ts.
#
# The real modules need hex packages (Jason, HTTPoison/Tesla, the request coordinator, the
# endpoint observer), which cannot be installed here. Blockscout's own `EthereumJSONRPC.Geth`,
# `Geth.Call` and `Geth.Calls` are compiled from a checkout and import the helpers below, so
# each helper returns what the real one returns:
#
#   * `request/1` adds `jsonrpc: "2.0"` to `%{id:, method:, params:}`.
#   * `json_rpc/2` POSTs one request or a batch (erlang-inets' :httpc, jiffy for JSON). One
#     request gives `{:ok, result}` or `{:error, %{code:, message:}}`; a batch gives
#     `{:ok, [%{jsonrpc:, id:, result:} | %{jsonrpc:, id:, error: %{code:, message:}}]}`: atom
#     keys at the top, results decoded with string keys and JSON null as nil (as Jason does).
#   * `id_to_params/1`, `sanitize_responses/2`, `integer_to_quantity/1`,
#     `quantity_to_integer/1`, `put_if_present/3`: the same contracts as Blockscout's.
#
# Options read: `transport_options: [urls: [url], http_options: [recv_timeout: ms]]`, the shape
# Blockscout's own configuration uses (Geth.correct_timeouts/1 writes the timeouts into it).
defmodule EthereumJSONRPC do
  @moduledoc "Stand-in for Blockscout's EthereumJSONRPC helpers and HTTP transport (see the header)."

  @doc "A JSON-RPC 2.0 request map from `%{id:, method:, params:}`."
  def request(%{method: method, params: params} = map) when is_binary(method) and is_list(params) do
    Map.put(map, :jsonrpc, "2.0")
  end

  @doc "Numbers the parameter sets from 0: `%{0 => first, 1 => second, ...}`."
  def id_to_params(params_list) do
    params_list |> Enum.with_index() |> Map.new(fn {params, id} -> {id, params} end)
  end

  @doc "Gives responses without an id the request ids no response answered, in order."
  def sanitize_responses(responses, id_to_params) when is_map(id_to_params),
    do: sanitize_responses(responses, Map.keys(id_to_params))

  def sanitize_responses(responses, request_ids) when is_list(request_ids) do
    {sanitized, _unmatched} =
      Enum.map_reduce(responses, request_ids -- Enum.map(responses, & &1.id), fn
        %{id: nil} = response, [id | rest] -> {%{response | id: id}, rest}
        response, unmatched -> {response, unmatched}
      end)

    sanitized
  end

  @doc "`0x`-prefixed hexadecimal quantity; Blockscout writes hex digits in upper case (`0x1A`)."
  def integer_to_quantity(integer) when is_integer(integer) and integer >= 0, do: "0x" <> Integer.to_string(integer, 16)
  def integer_to_quantity(quantity) when is_binary(quantity), do: quantity

  @doc "Integer from a `0x` quantity, a decimal string or an integer; nil otherwise."
  def quantity_to_integer("0x" <> digits), do: String.to_integer(digits, 16)
  def quantity_to_integer(integer) when is_integer(integer), do: integer

  def quantity_to_integer(string) when is_binary(string) do
    case Integer.parse(string) do
      {integer, ""} -> integer
      _ -> nil
    end
  end

  def quantity_to_integer(_), do: nil

  @doc "Copies `source[from]` (or `opts[:default]`) to `to` when not nil; `validation: :address_hash` also needs 0x + 40 hex digits."
  def put_if_present(result, source, keys) do
    Enum.reduce(keys, result, fn key, acc ->
      [from, to | rest] = Tuple.to_list(key)
      opts = List.first(rest, %{})

      case source[from] || opts[:default] do
        nil -> acc
        value -> if valid?(value, opts[:validation]), do: Map.put(acc, to, value), else: acc
      end
    end)
  end

  defp valid?(value, :address_hash), do: is_binary(value) and String.match?(value, ~r/^0x[[:xdigit:]]{40}$/i)
  defp valid?(_value, _validation), do: true

  @doc "Sends one request or a batch to `transport_options[:urls]`; see the header for the answers."
  def json_rpc(request, named_arguments) when (is_map(request) or is_list(request)) and is_list(named_arguments) do
    options = Keyword.fetch!(named_arguments, :transport_options)
    url = options |> Keyword.fetch!(:urls) |> hd()
    timeout = get_in(options, [:http_options, :recv_timeout]) || 60_000

    case request do
      # An empty batch has no valid JSON answer: Blockscout answers [] without asking.
      [] -> {:ok, []}
      _ -> request |> post(url, timeout) |> handle(request)
    end
  end

  defp post(request, url, timeout) do
    {:ok, _} = Application.ensure_all_started(:inets)
    body = :jiffy.encode(request, [:use_nil])
    http_request = {String.to_charlist(url), [], ~c"application/json", body}

    case :httpc.request(:post, http_request, [timeout: timeout], body_format: :binary) do
      {:ok, {{_, 200, _}, _headers, body}} -> {:ok, :jiffy.decode(body, [:return_maps, :use_nil])}
      {:ok, {{_, status, _}, _headers, body}} -> {:error, %{status_code: status, body: body}}
      {:error, reason} -> {:error, reason}
    end
  end

  defp handle({:ok, answers}, batch) when is_list(batch) and is_list(answers), do: {:ok, Enum.map(answers, &standardize/1)}
  defp handle({:ok, %{"error" => error}}, request) when is_map(request), do: {:error, standardize_error(error)}
  defp handle({:ok, %{"result" => result}}, request) when is_map(request), do: {:ok, result}
  defp handle({:ok, other}, _request), do: {:error, {:bad_response, other}}
  defp handle({:error, _} = error, _request), do: error

  # Blockscout's HTTP.standardize_response/1: atom keys, exactly one of result and error.
  defp standardize(%{"result" => _, "error" => _} = answer),
    do: raise(ArgumentError, "result and error keys are mutually exclusive, got #{inspect(answer)}")

  defp standardize(answer) do
    base = %{jsonrpc: answer["jsonrpc"], id: answer["id"]}

    case answer do
      %{"result" => result} -> Map.put(base, :result, result)
      %{"error" => error} -> Map.put(base, :error, standardize_error(error))
    end
  end

  defp standardize_error(%{"code" => code, "message" => message} = error) when is_integer(code) and is_binary(message) do
    case Map.fetch(error, "data") do
      {:ok, data} -> %{code: code, message: message, data: data}
      :error -> %{code: code, message: message}
    end
  end
end
