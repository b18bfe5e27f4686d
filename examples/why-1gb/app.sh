#!/bin/sh
echo "serving $(wc -c < /app/assets.bin) bytes of assets"
