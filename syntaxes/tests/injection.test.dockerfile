# SYNTAX TEST "source.dockerfile" "dfsize injections into VS Code's Dockerfile grammar"
# syntax=docker/dockerfile:1.4
# ^^^^^^ keyword.other.directive.dockerfile
#        ^^^^^^^^^^^^^^^^^^^^^ string.unquoted.directive-value.dockerfile
# escape=\
# ^^^^^^ keyword.other.directive.dockerfile
# check=skip=JSONArgsRecommended
# ^^^^^ keyword.other.directive.dockerfile
FROM debian:bookworm-slim
# dfsize-ignore apt-lists-not-removed, apt-install-recommends
# ^^^^^^^^^^^^^ keyword.other.ignore.dfsize
#              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ constant.other.rule-code.dfsize
RUN --mount=type=cache,target=/var/cache/apt apt-get update
#   ^^ punctuation.definition.flag.dockerfile
#     ^^^^^ entity.other.attribute-name.flag.dockerfile
#          ^ keyword.operator.assignment.dockerfile
#           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ string.unquoted.flag-value.dockerfile
#                                            ^^^^^^^ - entity.other.attribute-name.flag.dockerfile
COPY --link --chmod=755 run.sh /usr/local/bin/
#      ^^^^ entity.other.attribute-name.flag.dockerfile
#             ^^^^^ entity.other.attribute-name.flag.dockerfile
#                   ^^^ string.unquoted.flag-value.dockerfile
RUN <<EOF
#   ^^ keyword.operator.heredoc.dockerfile
#     ^^^ entity.name.tag.heredoc-delimiter.dockerfile
apt-get install -y curl
# <----------------------- string.unquoted.heredoc.dockerfile
EOF
# <--- entity.name.tag.heredoc-delimiter.dockerfile
COPY <<-"CONF" /etc/app.conf
#    ^^^ keyword.operator.heredoc.dockerfile
#       ^ punctuation.definition.string.begin.dockerfile
#        ^^^^ entity.name.tag.heredoc-delimiter.dockerfile
key = value
# <----------- string.unquoted.heredoc.dockerfile
CONF
RUN echo "not a flag: --link" && ls --color
#                                   ^^^^^^^ - entity.other.attribute-name.flag.dockerfile
