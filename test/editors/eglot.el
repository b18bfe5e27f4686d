;;; drive.el --- dfsize-langserver in Emacs's eglot, in batch  -*- lexical-binding: t -*-
;; Debian's Emacs 28 with its elpa-eglot opens a Dockerfile whose image was built on the engine, starts the server
;; through eglot, waits for flymake to hold the finding, asks for inlay hints (raw `textDocument/inlayHint': eglot 1.9
;; has no inlay-hint UI), hovers the finding's line, applies its preferred quick fix with eglot's own workspace-edit
;; code and saves the file.  What it saw goes to $DFSIZE_DRIVE_REPORT as JSON for test/lsp/editors.test.ts.
;;   DFSIZE_DRIVE_SERVER=server/out/server.js DFSIZE_DRIVE_CODE=<finding code> DFSIZE_DRIVE_REPORT=<json> \
;;     emacs --batch -l test/editors/eglot.el <Dockerfile>
(require 'eglot)
(require 'json)

(define-derived-mode dockerfile-mode prog-mode "Dockerfile")

(defvar drive-report nil "What the steps saw, as an alist.")
(defvar drive-steps nil "The steps that finished, in order.")
(defconst drive-wait (/ (string-to-number (or (getenv "DFSIZE_DRIVE_WAIT_MS") "60000")) 1000.0))

(defun drive-finish (code)
  (push (cons 'steps (vconcat (reverse drive-steps))) drive-report)
  (with-temp-file (getenv "DFSIZE_DRIVE_REPORT") (insert (json-encode drive-report)))
  (kill-emacs code))

(defmacro drive-step (name &rest body)
  "Run BODY as step NAME; a failure ends Emacs with exit 1 and the error in the report."
  `(condition-case err
       (progn ,@body (push ,name drive-steps))
     (error (push (cons 'error (format "%s: %s" ,name (error-message-string err))) drive-report)
            (drive-finish 1))))

(defun drive-until (what pred)
  "Let the event loop run until PRED is true; signal an error naming WHAT after `drive-wait' seconds."
  (let ((deadline (+ (float-time) drive-wait)))
    (while (not (funcall pred))
      (when (> (float-time) deadline) (error "no %s within %s s" what drive-wait))
      (accept-process-output nil 0.05))))

(let* ((file (expand-file-name (car command-line-args-left)))
       (code (getenv "DFSIZE_DRIVE_CODE"))
       (server nil)
       (finding nil))
  (setq command-line-args-left nil)
  (find-file file)
  (dockerfile-mode)
  (add-to-list 'eglot-server-programs
               `(dockerfile-mode . (,(or (getenv "DFSIZE_DRIVE_NODE") "node") ,(getenv "DFSIZE_DRIVE_SERVER") "--stdio"
                                    :initializationOptions (:workspaceTrusted t :storageDir ,(getenv "DFSIZE_DRIVE_STORAGE")))))
  (drive-step "start"
    (apply #'eglot (eglot--guess-contact))
    (drive-until "eglot server" (lambda () (eglot-current-server)))
    (setq server (eglot-current-server)))
  (drive-step "diagnostics"
    (drive-until (format "flymake diagnostic %s" code)
                 (lambda () (seq-find (lambda (d) (string-match-p code (flymake-diagnostic-text d)))
                                      (flymake-diagnostics))))
    (push (cons 'diagnostics
                (vconcat (mapcar (lambda (d)
                                   (let ((text (flymake-diagnostic-text d)))
                                     (list (cons 'line (1- (line-number-at-pos (flymake-diagnostic-beg d))))
                                           ;; eglot shows "SOURCE [CODE]: MESSAGE"
                                           (cons 'code (and (string-match "\\[\\([a-z-]+\\)\\]" text)
                                                            (match-string 1 text)))
                                           (cons 'message text))))
                                 (flymake-diagnostics))))
          drive-report)
    (setq finding (seq-find (lambda (d) (string-match-p code (flymake-diagnostic-text d))) (flymake-diagnostics))))
  (let ((line (1- (line-number-at-pos (flymake-diagnostic-beg finding))))
        (doc (list :uri (eglot--path-to-uri file))))
    (drive-step "inlayHint"
      (let ((hints (jsonrpc-request server :textDocument/inlayHint
                                    (list :textDocument doc
                                          :range (list :start (list :line 0 :character 0)
                                                       :end (list :line (count-lines (point-min) (point-max))
                                                                  :character 0))))))
        (push (cons 'hints (vconcat (mapcar (lambda (h) (list (cons 'line (plist-get (plist-get h :position) :line))
                                                                (cons 'label (plist-get h :label))))
                                            hints)))
              drive-report)))
    (drive-step "hover"
      (let ((hover (jsonrpc-request server :textDocument/hover
                                    (list :textDocument doc :position (list :line line :character 2)))))
        (push (cons 'hover (list (cons 'line line)
                                 (cons 'value (plist-get (plist-get hover :contents) :value))))
              drive-report)))
    (drive-step "codeAction"
      (let* ((actions (jsonrpc-request server :textDocument/codeAction
                                       (list :textDocument doc
                                             :range (list :start (list :line line :character 0)
                                                          :end (list :line line :character 0))
                                             :context (list :diagnostics [] :only ["quickfix"]))))
             (chosen (seq-find (lambda (a) (and (eq (plist-get a :isPreferred) t) (plist-get a :edit))) actions)))
        (unless chosen (error "no preferred quick fix among %d actions" (length actions)))
        (push (cons 'action (plist-get chosen :title)) drive-report)
        (eglot--apply-workspace-edit (plist-get chosen :edit))
        (save-buffer))))
  (drive-step "stop" (eglot-shutdown server))
  (drive-finish 0))
