while IFS= read -r k; do
  case "$k" in
    none) echo NULL;;
    lnull) echo null;;
    empty) echo;;
    die) exit 3;;
    pwd) pwd | tr / _;;
    *) echo "v-$k";;
  esac
done
