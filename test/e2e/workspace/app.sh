#!/bin/sh
echo "hello from the e2e workspace"
