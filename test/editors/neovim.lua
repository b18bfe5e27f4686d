-- Drives dfsize-langserver from Neovim's own LSP client, headless, as a user's config would: open a Dockerfile, wait
-- for its diagnostics, ask for inlay hints (raw `textDocument/inlayHint`, since Neovim 0.7 has no inlay-hint UI), hover
-- the line of a finding, apply that finding's preferred quick fix and write the file. Everything seen is written as
-- JSON to $DFSIZE_DRIVE_REPORT for the mocha suite (test/lsp/editors.test.ts) to check; Neovim exits 0 when the script
-- ran to the end, 1 with `error` in the report when a step failed or timed out.
--   DFSIZE_DRIVE_SERVER=server/out/server.js DFSIZE_DRIVE_CODE=<finding code> DFSIZE_DRIVE_REPORT=<json> \
--     nvim --headless --clean -c 'luafile test/editors/neovim.lua' <Dockerfile>
local env = vim.env
local report = { steps = {} }
local WAIT_MS = tonumber(env.DFSIZE_DRIVE_WAIT_MS or '60000')

local function finish(code)
  local f = assert(io.open(env.DFSIZE_DRIVE_REPORT, 'w'))
  f:write(vim.fn.json_encode(report))
  f:close()
  vim.cmd((code == 0 and 'qall!' or 'cquit! ' .. code))
end

local function step(name, fn)
  local ok, err = pcall(fn)
  if not ok then
    report.error = name .. ': ' .. tostring(err)
    finish(1)
  end
  table.insert(report.steps, name)
end

-- One request, waited for; a server error or a timeout fails the step.
local function request(client, bufnr, method, params)
  local res, err = client.request_sync(method, params, WAIT_MS, bufnr)
  if not res then error(method .. ': ' .. tostring(err)) end
  if res.err then error(method .. ': ' .. vim.inspect(res.err)) end
  return res.result
end

local function until_(what, cond)
  if not vim.wait(WAIT_MS, cond, 50) then error('no ' .. what .. ' within ' .. WAIT_MS .. ' ms') end
end

local bufnr = vim.api.nvim_get_current_buf()
local uri = vim.uri_from_bufnr(bufnr)
local file = vim.api.nvim_buf_get_name(bufnr)
local code = env.DFSIZE_DRIVE_CODE
local client

step('start', function()
  local id = vim.lsp.start_client({
    name = 'dfsize',
    cmd = { env.DFSIZE_DRIVE_NODE or 'node', env.DFSIZE_DRIVE_SERVER, '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
    init_options = { workspaceTrusted = true, storageDir = env.DFSIZE_DRIVE_STORAGE },
  })
  if not id then error('vim.lsp.start_client returned nothing') end
  vim.lsp.buf_attach_client(bufnr, id)
  client = vim.lsp.get_client_by_id(id)
  until_('initialized client', function() return client.initialized end)
  report.server = client.name
end)

-- The finding the suite asks about, as Neovim stored it: its line, and the LSP diagnostic to send back as context.
local finding
local function as_lsp(d)
  if d.user_data and d.user_data.lsp then return d.user_data.lsp end
  local range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } }
  return { range = range, message = d.message, severity = d.severity, code = d.code, source = d.source }
end

step('diagnostics', function()
  local function wanted()
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      if as_lsp(d).code == code then return d end
    end
  end
  until_('diagnostic ' .. code, function() return wanted() ~= nil end)
  report.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(report.diagnostics, { line = d.lnum, code = as_lsp(d).code, severity = d.severity, message = d.message })
  end
  local d = wanted()
  finding = { line = d.lnum, lsp = as_lsp(d) }
end)

step('inlayHint', function()
  local params = {
    textDocument = { uri = uri },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 } },
  }
  local hints
  until_('inlay hints', function()
    hints = request(client, bufnr, 'textDocument/inlayHint', params)
    return hints ~= nil and hints ~= vim.NIL and #hints > 0
  end)
  report.hints = {}
  for _, h in ipairs(hints) do
    local label = h.label
    if type(label) == 'table' then
      label = table.concat(vim.tbl_map(function(p) return p.value end, label))
    end
    table.insert(report.hints, { line = h.position.line, label = label })
  end
end)

step('hover', function()
  local hover = request(client, bufnr, 'textDocument/hover', {
    textDocument = { uri = uri },
    position = { line = finding.line, character = 2 },
  })
  report.hover = { line = finding.line, value = hover.contents.value or hover.contents }
end)

step('codeAction', function()
  local line = finding.line
  local actions = request(client, bufnr, 'textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = { line = line, character = 0 }, ['end'] = { line = line, character = 0 } },
    context = { diagnostics = { finding.lsp }, only = { 'quickfix' } },
  })
  local chosen
  for _, a in ipairs(actions) do
    if a.isPreferred and a.edit then chosen = a end
  end
  if not chosen then error('no preferred quick fix among ' .. #actions .. ' actions') end
  report.action = chosen.title
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  vim.api.nvim_set_current_buf(bufnr)
  vim.cmd('silent write')
end)

step('stop', function()
  client.stop()
end)
finish(0)
