// The join page: typing a name chooses "With this name:"; choosing "Without a name"
// empties the name box (the server takes a name typed in the box as meant).
const name = document.getElementById("display-name");
const typed = document.getElementById("who-typed");
const none = document.getElementById("who-none");

if (name && typed) {
  const choose = () => {
    if (name.value.trim()) typed.checked = true;
  };
  name.addEventListener("input", choose);
  choose(); // a name typed before this module ran (a slow phone) counts too
}
if (name && none) {
  none.addEventListener("change", () => {
    if (none.checked) name.value = "";
  });
}
